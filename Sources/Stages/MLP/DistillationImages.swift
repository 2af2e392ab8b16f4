#if arch(x86_64)
import CKernels
#endif
import Pipeline

/// Makes the distillation images of any model on demand, so N x S x 784 floats never exist at once.
///
/// Noise pixel p of image i of model m is a function of (data seed, m, i, p) only: image i's
/// stream is RandomStream(seed, .distillationImage, m).child(i), and draw j of it gives pixels
/// 2j and 2j+1 (uniform: the high and low 32 bits through symmetricFloat; bernoulli: bits 63 and
/// 31 give the signs; gaussian: one Box-Muller pair). So every epoch, and the teacher-logits stage,
/// see the same image i. MNIST-based images are read from the training bytes (pixel-permuted once
/// up front for shuffled-mnist, by image i's stream RandomStream(seed, .pixelPermutation).child(i)).
struct DistillationImages: Sendable {
    let data: DistillationData
    let pixelsPerImage: Int
    /// samples x pixelsPerImage bytes for MNIST-based data, else empty.
    let pixels: [UInt8]

    /// Checks `data` against the network and, for MNIST-based data, the training images.
    init(_ data: DistillationData, pixelsPerImage: Int, train: LabeledImages?, trainName: String = "train") throws {
        self.data = data
        self.pixelsPerImage = pixelsPerImage
        guard data.samples > 0 else {
            throw StageError.failed("distillation data needs at least one sample, got \(data.samples)")
        }
        guard data.usesTrainingImages else {
            pixels = []
            return
        }
        guard let train else {
            throw StageError.missingInput(name: trainName, available: [])
        }
        guard train.pixelsPerImage == pixelsPerImage else {
            throw StageError.badInput(name: trainName, reason: "images of \(train.pixelsPerImage) pixels; "
                + "the networks take \(pixelsPerImage)")
        }
        guard data.samples <= train.count else {
            throw StageError.badInput(name: trainName, reason: "\(train.count) images; distillation data "
                + "asks for the first \(data.samples)")
        }
        var bytes = Array(train.pixels[0..<(data.samples * pixelsPerImage)])
        if data.distribution == .shuffledMnist {
            let stream = RandomStream(seed: data.seed, .pixelPermutation)
            var order = [Int](repeating: 0, count: pixelsPerImage)
            var image = [UInt8](repeating: 0, count: pixelsPerImage)
            for i in 0..<data.samples {
                for p in 0..<pixelsPerImage { order[p] = p }
                order.withUnsafeMutableBufferPointer { shuffle($0, stream.child(i)) }
                let base = i * pixelsPerImage
                for p in 0..<pixelsPerImage { image[p] = bytes[base + order[p]] }
                bytes.replaceSubrange(base..<(base + pixelsPerImage), with: image)
            }
        }
        pixels = bytes
    }

    /// x (indices.count, pixelsPerImage) = images indices[0], indices[1], ... of `model`.
    func fill(model: Int, indices: UnsafeBufferPointer<Int32>, into x: UnsafeMutablePointer<Float>) {
        let n = pixelsPerImage
        switch data.distribution {
        case .mnist, .shuffledMnist:
            pixels.withUnsafeBufferPointer { bytes in
                gatherPixels(bytes.baseAddress!, rows: indices, width: n, into: x)
            }
        case .uniform, .gaussian, .bernoulli:
            let modelStream = RandomStream(seed: data.seed, .distillationImage, model)
            for (r, image) in indices.enumerated() {
                fillNoise(modelStream.child(Int(image)), x + r * n, n)
            }
        }
    }

    /// Image `stream`'s n pixels into row; `isa` only chooses the uniform kernel (same Floats).
    @inline(__always)
    func fillNoise(_ stream: RandomStream, _ row: UnsafeMutablePointer<Float>, _ n: Int,
                   isa: VectorISA = CPUFeatures.vectorISA) {
        let pairs = n / 2
        switch data.distribution {
        case .uniform:
            var first = 0
            #if arch(x86_64)
            switch isa {
            case .avx512: first = pipe_uniform_noise_avx512(stream.key, row, pairs)
            case .avx2: first = pipe_uniform_noise_avx2(stream.key, row, pairs)
            case .portable: break
            }
            #endif
            for j in first..<pairs {
                let b = stream.bits(j)
                row[2 * j] = symmetricFloat(UInt32(truncatingIfNeeded: b >> 32))
                row[2 * j + 1] = symmetricFloat(UInt32(truncatingIfNeeded: b))
            }
            if n % 2 == 1 { row[n - 1] = symmetricFloat(UInt32(truncatingIfNeeded: stream.bits(pairs) >> 32)) }
        case .bernoulli:
            for j in 0..<pairs {
                let b = stream.bits(j)
                row[2 * j] = b >> 63 == 0 ? 1 : -1
                row[2 * j + 1] = (b >> 31) & 1 == 0 ? 1 : -1
            }
            if n % 2 == 1 { row[n - 1] = stream.sign(pairs) }
        case .gaussian:
            for j in 0..<pairs {
                let (a, b) = stream.normalPair(j)
                row[2 * j] = a
                row[2 * j + 1] = b
            }
            if n % 2 == 1 { row[n - 1] = stream.normalPair(pairs).0 }
        case .mnist, .shuffledMnist:
            preconditionFailure("fillNoise: not a noise distribution")
        }
    }
}
