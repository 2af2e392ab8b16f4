import Foundation

/// A model load as a list of pieces: rows of a checkpoint tensor and where in a matrix they go.
/// Planning carves each matrix, untouched, from one arena and checks every shape; `run` decodes
/// the pieces on several threads, each piece writing rows no other piece writes (hence unchecked
/// Sendable: the pieces' pointers are disjoint).
struct WeightLoadPlan<Source: WeightSource>: @unchecked Sendable {
    /// A checkpoint tensor of `rows` rows bound for the next rows of a matrix. `rotaryHeads`: its
    /// rows are llama.cpp's convert permutation for interleaved rotary over that many heads, which
    /// the load undoes (GGUF row h*d + 2i + j holds transformers' row h*d + j*d/2 + i).
    struct Part {
        var name: String
        var rows: Int
        var rotaryHeads: Int?

        init(_ name: String, rows: Int, rotaryHeads: Int? = nil) {
            self.name = name; self.rows = rows; self.rotaryHeads = rotaryHeads
        }
    }

    /// Rows `rows` of a part (in the matrix's order), written from `destination` on.
    private struct Piece {
        var part: Part
        var rows: Range<Int>
        var columns: Int
        var destination: UnsafeMutablePointer<Float>
    }

    let source: Source
    /// Bytes of Floats per piece at most (but at least a row): by default 1 MB, enough to amortize
    /// a call, small enough that the threads finish together (SmolLM2's embedding alone is 113 MB).
    let pieceBytes: Int
    /// Where every tensor of the load lies (on 2 MiB pages, however small the tensor).
    let arena = TensorArena()
    private var pieces: [Piece] = []

    init(source: Source, pieceBytes: Int = 1 << 20) {
        self.source = source
        self.pieceBytes = pieceBytes
    }

    /// A (sum of the parts' rows, columns) matrix the parts fill one after another.
    mutating func matrix(_ parts: [Part], columns: Int) throws -> Tensor {
        for part in parts {
            let shape = try source.shape(of: part.name)
            guard shape == [part.rows, columns] else {
                throw LlamaError.shapeMismatch(path: source.location, tensor: part.name,
                                               expected: [part.rows, columns], found: shape)
            }
        }
        let tensor = Tensor(unwrittenShape: [parts.reduce(0) { $0 + $1.rows }, columns], in: arena)
        let rowsPerPiece = max(1, pieceBytes / max(1, 4 * columns))
        var offset = 0
        for part in parts {
            for start in stride(from: 0, to: part.rows, by: rowsPerPiece) {
                pieces.append(Piece(part: part, rows: start..<min(part.rows, start + rowsPerPiece), columns: columns,
                                    destination: tensor.pointer + (offset + start) * columns))
            }
            offset += part.rows
        }
        return tensor
    }

    /// A vector of `count` elements.
    mutating func vector(_ name: String, count: Int) throws -> Tensor {
        let shape = try source.shape(of: name)
        guard shape == [count] else {
            throw LlamaError.shapeMismatch(path: source.location, tensor: name, expected: [count], found: shape)
        }
        let tensor = Tensor(unwrittenShape: [count], in: arena)
        pieces.append(Piece(part: Part(name, rows: 1), rows: 0..<1, columns: count, destination: tensor.pointer))
        return tensor
    }

    /// Decodes every piece, `threads` at a time; the first failing piece's error (in plan order).
    func run(threads: Int) throws {
        let queue = PieceQueue(count: pieces.count)
        let lanes = max(1, min(threads, pieces.count))
        DispatchQueue.concurrentPerform(iterations: lanes) { _ in
            while let i = queue.next() {
                do { try decode(pieces[i]) } catch { queue.fail(i, error) }
            }
        }
        if let error = queue.firstError { throw error }
    }

    private func decode(_ piece: Piece) throws {
        guard let heads = piece.part.rotaryHeads else {
            try source.decode(piece.part.name, rows: piece.rows, into: piece.destination)
            return
        }
        let d = piece.part.rows / heads, half = d / 2
        for (k, row) in piece.rows.enumerated() {
            let (h, r) = (row / d, row % d)
            let stored = h * d + 2 * (r % half) + r / half
            try source.decode(piece.part.name, rows: stored..<stored + 1, into: piece.destination + k * piece.columns)
        }
    }
}

/// Hands out piece indices to the load's threads and keeps the error of the earliest failed piece,
/// so which error a broken file reports does not depend on thread timing.
private final class PieceQueue: @unchecked Sendable {
    private let lock = NSLock()
    private let count: Int
    private var taken = 0
    private var failed: (index: Int, error: Error)?

    init(count: Int) { self.count = count }

    /// The next piece to decode, or nil when all are taken or one has failed.
    func next() -> Int? {
        lock.withLock {
            guard taken < count, failed == nil else { return nil }
            defer { taken += 1 }
            return taken
        }
    }

    func fail(_ index: Int, _ error: Error) {
        lock.withLock { if failed == nil || index < failed!.index { failed = (index, error) } }
    }

    var firstError: Error? { lock.withLock { failed?.error } }
}
