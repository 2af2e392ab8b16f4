import Foundation

// Counter-based randomness.
//
// Every random number in pipe is a pure function of (seed, purpose, indices..., counter), so any
// value can be computed on its own, in any order, on any thread, and again next year:
//
//   key    = SplitMix64 mix of the seed, then folded with each path element:
//            k0 = mix(seed ^ 0x5049504552414E44); k(i+1) = mix(k(i) ^ mix(path[i] + γ))
//   bits n = mix(key + (n + 1) * γ)       (γ = 0x9E3779B97F4A7C15, the golden-ratio increment)
//   mix(z) = z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB; z ^ z >> 31
//
// `bits n` is exactly the n-th output of a SplitMix64 generator seeded with the key (Steele, Lea &
// Flood 2014, "Fast splittable pseudorandom number generators"; mix is Stafford's variant 13),
// which passes BigCrush. Streams with different keys overlap only if two keys differ by a small
// multiple of γ, which for 64-bit keys is negligible at pipe's scale (< 1e-6 for 1e6 streams).
//
// Derived values (each documented at its function) use only integer and correctly rounded float
// operations, except Normal, which calls the C library's log/sin/cos (deterministic on one machine).

/// What a random stream is for; part of every stream's key so different uses never share numbers.
public enum RandomPurpose: UInt64, Sendable {
    case initialWeights = 1
    case teacherShuffle = 2
    case distillShuffle = 3
    case distillationImage = 4
    case pixelPermutation = 5
    case modelPermutation = 6
    case test = 99
}

/// A counter-based stream of random bits: `bits(n)` is a pure function of the key and n.
public struct RandomStream: Sendable, Equatable {
    public let key: UInt64

    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// SplitMix64's output function (Stafford variant 13): a bijective 64-bit mix.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The stream for `purpose` under `seed`, refined by indices such as (model, layer) or (model, epoch).
    public init(seed: UInt64, _ purpose: RandomPurpose, _ path: Int...) {
        self.init(seed: seed, purpose, path: path)
    }

    public init(seed: UInt64, _ purpose: RandomPurpose, path: [Int]) {
        var key = Self.mix(seed ^ 0x5049_5045_5241_4E44)
        key = Self.mix(key ^ Self.mix(purpose.rawValue &+ Self.gamma))
        for index in path { key = Self.mix(key ^ Self.mix(UInt64(bitPattern: Int64(index)) &+ Self.gamma)) }
        self.key = key
    }

    /// A stream refined by one more index (e.g. the image within a model's stream).
    @inline(__always)
    public func child(_ index: Int) -> RandomStream {
        RandomStream(key: Self.mix(key ^ Self.mix(UInt64(bitPattern: Int64(index)) &+ Self.gamma)))
    }

    init(key: UInt64) { self.key = key }

    /// 64 random bits, number `counter` of this stream.
    @inline(__always)
    public func bits(_ counter: Int) -> UInt64 {
        Self.mix(key &+ (UInt64(truncatingIfNeeded: counter) &+ 1) &* Self.gamma)
    }

    /// Uniform in [0, 1) with 24 random bits (every Float multiple of 2^-24), from the high bits.
    @inline(__always)
    public func uniform(_ counter: Int) -> Float { unitFloat(UInt32(truncatingIfNeeded: bits(counter) >> 32)) }

    /// Uniform in [-1, 1) with 24 random bits (multiples of 2^-23), from the high bits.
    @inline(__always)
    public func symmetric(_ counter: Int) -> Float { symmetricFloat(UInt32(truncatingIfNeeded: bits(counter) >> 32)) }

    /// +1 or -1 with probability 1/2 each (the top bit).
    @inline(__always)
    public func sign(_ counter: Int) -> Float { bits(counter) >> 63 == 0 ? 1 : -1 }

    /// Two independent N(0, 1) values by Box-Muller from one draw: u1 = (hi32 + 1) / 2^32 in (0, 1],
    /// u2 = lo32 / 2^32; r = sqrt(-2 ln u1); (r cos 2πu2, r sin 2πu2), computed in Double.
    @inline(__always)
    public func normalPair(_ counter: Int) -> (Float, Float) {
        let b = bits(counter)
        let u1 = (Double(b >> 32) + 1) * 0x1p-32
        let u2 = Double(b & 0xFFFF_FFFF) * 0x1p-32
        let r = (-2 * Foundation.log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        return (Float(r * Foundation.cos(angle)), Float(r * Foundation.sin(angle)))
    }

    /// An integer uniform in 0..<bound: the high 64 bits of bits(counter) * bound (Lemire). Its bias
    /// is below bound / 2^64, far under anything measurable, and it never rejects, so a shuffle
    /// uses exactly one counter per step.
    @inline(__always)
    public func below(_ bound: Int, _ counter: Int) -> Int {
        Int(truncatingIfNeeded: bits(counter).multipliedFullWidth(by: UInt64(bound)).high)
    }
}

/// The top 24 bits of `word` as a Float in [0, 1): exact, so no rounding can reach 1.
@inline(__always)
func unitFloat(_ word: UInt32) -> Float { Float(word >> 8) * 0x1p-24 }

/// The top 24 bits of `word` as a Float in [-1, 1): (k * 2^-23) - 1 for k < 2^24, exact.
@inline(__always)
func symmetricFloat(_ word: UInt32) -> Float { Float(word >> 8) * 0x1p-23 - 1 }
