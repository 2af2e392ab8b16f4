/// The teacher's objective: cross-entropy of the digit logits against the labels, PyTorch's mean
/// CrossEntropyLoss over the stacked [models * batch] logits.
struct ClassificationObjective: TrainingObjective {
    let images: LabeledImages
    let samples: Int
    let models: Int
    /// The images' pixels again, on huge pages: every batch gathers shuffled images from them.
    let pixels: HugePageBytes

    init(images: LabeledImages, samples: Int, models: Int) {
        self.images = images; self.samples = samples; self.models = models
        pixels = HugePageBytes(images.pixels)
    }

    func gradient(model: Int, indices: UnsafeBufferPointer<Int32>, parameters w: UnsafePointer<Float>,
                  workspace ws: Workspace) -> Double {
        let rows = indices.count, n = ws.shape.inputs
        gatherPixels(pixels.pointer, rows: indices, width: n, into: ws.input.pointer)
        images.labels.withUnsafeBufferPointer { labels in
            ws.labels.withUnsafeMutableBufferPointer { out in
                for (r, image) in indices.enumerated() { out[r] = labels[Int(image)] }
            }
        }
        forward(w, ws, rows: rows)
        let loss = ws.labels.withUnsafeBufferPointer { labels in
            crossEntropy(logits: ws.logits, labels: labels.baseAddress!, rows: rows, cols: ws.shape.outputs,
                         classes: MLPShape.digits, scale: 1 / Float(models * rows), grad: ws.logitsDelta)
        }
        backward(w, ws, rows: rows)
        return loss / Double(models * rows)
    }
}

/// A student's objective: KL(softmax(teacher[columns]) || softmax(student[columns])) on the
/// distillation images, PyTorch's kl_div(reduction="batchmean") on [models, batch, k] tensors,
/// i.e. the sum over models, samples and classes divided by the number of models.
struct DistillationObjective: TrainingObjective {
    let images: DistillationImages
    let targets: TeacherLogits
    let columns: Range<Int>
    let models: Int

    var samples: Int { targets.samples }

    func gradient(model: Int, indices: UnsafeBufferPointer<Int32>, parameters w: UnsafePointer<Float>,
                  workspace ws: Workspace) -> Double {
        let rows = indices.count, outputs = ws.shape.outputs, k = columns.count
        images.fill(model: model, indices: indices, into: ws.input.pointer)
        let teacher = targets.logits(of: model)
        for (r, image) in indices.enumerated() {
            (ws.targets.pointer + r * k).update(from: teacher + Int(image) * outputs + columns.lowerBound, count: k)
        }
        forward(w, ws, rows: rows)
        let loss = klDivergence(teacher: ws.targets.pointer, student: ws.logits, rows: rows, cols: outputs,
                                columns: columns, scale: 1 / Float(models), grad: ws.logitsDelta,
                                scratch: ws.scratch.pointer)
        backward(w, ws, rows: rows)
        return loss / Double(models)
    }
}
