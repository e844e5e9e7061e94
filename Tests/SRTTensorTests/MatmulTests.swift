import Testing
@testable import SRTTensor

@Suite struct MatmulTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let m, n, k: Int
        let transA, transB: Bool
        let beta: Float
        var testDescription: String { "\(m)x\(n)x\(k) tA=\(transA) tB=\(transB) beta=\(beta)" }
    }

    @Test(arguments: [
        Case(m: 3, n: 4, k: 5, transA: false, transB: false, beta: 0),
        Case(m: 7, n: 2, k: 9, transA: true, transB: false, beta: 0),
        Case(m: 5, n: 6, k: 3, transA: false, transB: true, beta: 1),
        Case(m: 33, n: 17, k: 65, transA: true, transB: true, beta: 0.5),
    ])
    func blasMatchesNaiveReference(_ c: Case) {
        var rng = SplitMix(seed: 7)
        let a = (0..<(c.m * c.k)).map { _ in rng.nextFloat() - 0.5 }
        let b = (0..<(c.k * c.n)).map { _ in rng.nextFloat() - 0.5 }
        let start = (0..<(c.m * c.n)).map { _ in rng.nextFloat() }
        var fast = start, slow = start
        matmul(&fast, a, b, m: c.m, n: c.n, k: c.k, transA: c.transA, transB: c.transB, alpha: 1.5, beta: c.beta)
        matmulReference(&slow, a, b, m: c.m, n: c.n, k: c.k, transA: c.transA, transB: c.transB, alpha: 1.5, beta: c.beta)
        let maxDiff = zip(fast, slow).map { abs($0 - $1) }.max() ?? 0
        #expect(maxDiff < 1e-4, "max |blas - naive| = \(maxDiff)")
    }

    @Test func openBLASReportsItsConfiguration() {
        #expect(BLASThreads.configuration.contains("OpenBLAS"))
    }
}

/// A tiny deterministic generator so tests do not depend on the system RNG.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }
}
