/// A small, fast, seedable generator (xoshiro128+ seeded by SplitMix64), so training is
/// reproducible from a seed on any machine.
public struct RandomSource: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt32

    public init(seed: UInt64) {
        var z = seed
        func splitMix() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        let a = splitMix(), b = splitMix()
        s0 = UInt32(truncatingIfNeeded: a); s1 = UInt32(truncatingIfNeeded: a >> 32)
        s2 = UInt32(truncatingIfNeeded: b); s3 = UInt32(truncatingIfNeeded: b >> 32)
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// The generator's state, to save and restore a run exactly (`--resume`).
    public var state: [UInt32] {
        get { [s0, s1, s2, s3] }
        set { (s0, s1, s2, s3) = (newValue[0], newValue[1], newValue[2], newValue[3]) }
    }

    @inline(__always)
    public mutating func next32() -> UInt32 {
        let result = s0 &+ s3
        let t = s1 << 9
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 11) | (s3 >> 21)
        return result
    }

    public mutating func next() -> UInt64 { UInt64(next32()) << 32 | UInt64(next32()) }

    /// Uniform in [0, 1).
    @inline(__always)
    public mutating func nextFloat() -> Float { Float(next32() >> 8) * (1.0 / 16_777_216.0) }

    /// Standard normal (Box–Muller).
    public mutating func nextGaussian() -> Float {
        let u1 = max(nextFloat(), 1e-7), u2 = nextFloat()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// Uniform integer in 0..<n.
    @inline(__always)
    public mutating func nextInt(_ n: Int) -> Int { Int((UInt64(next32()) &* UInt64(n)) >> 32) }
}

#if canImport(Glibc)
import Glibc
#endif
