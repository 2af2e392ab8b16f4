/// The new project's stage kind in Swift, its random numbers, and its test.
enum TemplateKind {
    static let makePoints = #"""
        import Foundation
        import Pipeline

        /// `make-points`: `count` points near the line y = slope * x + intercept, x evenly spaced in
        /// [0, 1), the noise on y drawn from `seed`; as CSV with the header `x,y`.
        ///
        /// A stage kind is a deterministic function of its parameters and inputs: no clock, no
        /// unseeded randomness, no environment. pipe keys, stores and shares what it writes.
        public struct MakePoints: StageKind {
            public struct Params: Codable, Sendable {
                public var count: Int
                public var slope: Double
                public var intercept: Double
                public var noise: Double
                public var seed: UInt64

                public init(count: Int, slope: Double, intercept: Double, noise: Double, seed: UInt64) {
                    self.count = count; self.slope = slope; self.intercept = intercept
                    self.noise = noise; self.seed = seed
                }
            }

            public static let name = "make-points"
            public static let summary = "noisy points near a line, as CSV"
            // Every source of this target, hashed at build time (SourceFingerprintPlugin): editing
            // any of them reruns this kind's stages. A kind that is not public gets this default.
            public static let code = SourceDigests.all
            public static let outputs = ["points.csv"]

            public static func run(_ params: Params, _ context: StageContext) throws {
                guard params.count >= 2 else {
                    throw StageError.failed("make-points: needs count >= 2, got \(params.count)")
                }
                var random = SplitMix64(seed: params.seed)
                var csv = "x,y\n"
                for i in 0..<params.count {
                    let x = Double(i) / Double(params.count)
                    let y = params.slope * x + params.intercept + params.noise * random.nearlyNormal()
                    csv += "\(x),\(y)\n"
                }
                context.write("points.csv", Data(csv.utf8))
            }
        }

        """#

    static let splitMix = #"""
        /// SplitMix64: a small seeded generator, the same numbers from a seed on every machine.
        struct SplitMix64 {
            private var state: UInt64

            init(seed: UInt64) { state = seed }

            mutating func next() -> UInt64 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return z ^ (z >> 31)
            }

            /// Uniform in [0, 1), from the top 53 bits.
            mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

            /// Twelve uniforms minus 6: mean 0, variance 1, nearly normal. Only additions, so the
            /// bits are the same everywhere (log and cos differ between math libraries).
            mutating func nearlyNormal() -> Double {
                var sum = 0.0
                for _ in 0..<12 { sum += uniform() }
                return sum - 6
            }
        }

        """#

    static let test = #"""
        import Foundation
        import Pipeline
        import Testing
        @testable import StageKinds

        @Suite struct MakePointsTests {
            /// Runs the kind as pipe would, without a store: inputs in, outputs out.
            func points(seed: UInt64, count: Int = 500) throws -> String {
                let context = StageContext(inputs: [:])
                try MakePoints.run(.init(count: count, slope: 2, intercept: 1, noise: 0.1, seed: seed), context)
                return String(decoding: try #require(try context.outputBytes("points.csv")), as: UTF8.self)
            }

            @Test func sameSeedSameBytes() throws {
                #expect(try points(seed: 7) == points(seed: 7))
                #expect(try points(seed: 7) != points(seed: 8))
            }

            @Test func thePointsLieNearTheLine() throws {
                let rows = try points(seed: 1).split(separator: "\n").dropFirst()
                    .map { $0.split(separator: ",").map { Double($0)! } }
                #expect(rows.count == 500)
                let n = Double(rows.count)
                let mx = rows.map { $0[0] }.reduce(0, +) / n, my = rows.map { $0[1] }.reduce(0, +) / n
                let sxy = rows.map { ($0[0] - mx) * ($0[1] - my) }.reduce(0, +)
                let sxx = rows.map { ($0[0] - mx) * ($0[0] - mx) }.reduce(0, +)
                #expect(abs(sxy / sxx - 2) < 0.1)
            }

            @Test func tooFewPointsFail() {
                #expect(throws: StageError.self) {
                    try MakePoints.run(.init(count: 1, slope: 2, intercept: 1, noise: 0, seed: 0), StageContext(inputs: [:]))
                }
            }
        }

        """#
}
