import Foundation

/// A next-token distribution over a whole vocabulary: probabilities as Float32 little-endian, one per
/// token id (the `probabilities` output of `next-token`), computed in Double from the logits.
public struct TokenDistribution: Sendable, Equatable {
    public var probabilities: [Float]

    public init(probabilities: [Float]) { self.probabilities = probabilities }

    /// softmax(logits), summed in Double.
    public init(logits: UnsafeBufferPointer<Float>) {
        let m = Double(logits.max() ?? 0)
        var z = 0.0
        var out = [Float](repeating: 0, count: logits.count)
        var exps = [Double](repeating: 0, count: logits.count)
        for i in logits.indices { exps[i] = Foundation.exp(Double(logits[i]) - m); z += exps[i] }
        for i in logits.indices { out[i] = Float(exps[i] / z) }
        probabilities = out
    }

    public init(logits: [Float]) { self = logits.withUnsafeBufferPointer { TokenDistribution(logits: $0) } }

    public subscript(id: Int) -> Double { Double(probabilities[id]) }

    public var serialized: Data {
        var data = Data(capacity: probabilities.count * 4)
        for p in probabilities { withUnsafeBytes(of: p.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    public init(serialized data: Data, name: String) throws {
        guard data.count % 4 == 0, !data.isEmpty else {
            throw StageErrorMessage("input '\(name)': \(data.count) bytes is not a Float32 distribution")
        }
        probabilities = data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}

/// Token ids as a JSON array (the `prompt-tokens` output).
enum TokenIDs {
    static func serialized(_ ids: [Int]) -> Data { Data(("[" + ids.map(String.init).joined(separator: ",") + "]\n").utf8) }
    static func parse(_ data: Data) throws -> [Int] { try JSONDecoder().decode([Int].self, from: data) }
}
