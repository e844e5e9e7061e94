import Foundation
import Testing
@testable import SRTTensor

/// Every backward pass against finite differences, on small shapes.
@Suite struct KernelGradientTests {
    @Test func linear() {
        let m = 5, c = 4, oc = 3
        checkGradients("linear", inputs: [randomArray(m * c, seed: 1), randomArray(oc * c, seed: 2), randomArray(oc, seed: 3)],
                       outputCount: m * oc,
                       forward: { x in
                           var out = [Float](repeating: 0, count: m * oc)
                           linearForward(&out, x[0], x[1], x[2], m: m, c: c, oc: oc)
                           return out
                       },
                       backward: { x, dout in
                           var dx = [Float](repeating: 0, count: m * c), dw = [Float](repeating: 0, count: oc * c), db = [Float](repeating: 0, count: oc)
                           linearBackward(&dx, &dw, &db, dout, x[0], x[1], m: m, c: c, oc: oc)
                           return [dx, dw, db]
                       })
    }

    @Test func layerNorm() {
        let m = 4, c = 6
        checkGradients("layernorm", inputs: [randomArray(m * c, seed: 4, scale: 2), randomArray(c, seed: 5), randomArray(c, seed: 6)],
                       outputCount: m * c, tolerance: 5e-3,
                       forward: { x in
                           var out = [Float](repeating: 0, count: m * c), mean = [Float](repeating: 0, count: m), rstd = mean
                           layerNormForward(&out, &mean, &rstd, x[0], x[1], x[2], m: m, c: c, eps: 1e-12)
                           return out
                       },
                       backward: { x, dout in
                           var out = [Float](repeating: 0, count: m * c), mean = [Float](repeating: 0, count: m), rstd = mean
                           layerNormForward(&out, &mean, &rstd, x[0], x[1], x[2], m: m, c: c, eps: 1e-12)
                           var dx = [Float](repeating: 0, count: m * c), dw = [Float](repeating: 0, count: c), db = dw
                           layerNormBackward(&dx, &dw, &db, dout, x[0], x[1], mean, rstd, m: m, c: c)
                           return [dx, dw, db]
                       })
    }

    @Test func gelu() {
        let n = 40
        checkGradients("gelu", inputs: [randomArray(n, seed: 7, scale: 4)], outputCount: n,
                       forward: { x in
                           var out = [Float](repeating: 0, count: n)
                           geluForward(&out, x[0], count: n)
                           return out
                       },
                       backward: { x, dout in
                           var dx = [Float](repeating: 0, count: n)
                           geluBackward(&dx, x[0], dout, count: n)
                           return [dx]
                       })
    }

    @Test(arguments: [Float(0), 0.3])
    func attention(dropout p: Float) {
        let shape = AttentionShape(b: 2, t: 5, c: 8, heads: 2)
        let qkvCount = shape.b * shape.t * 3 * shape.c, outCount = shape.b * shape.t * shape.c
        func run(_ qkv: [Float]) -> (out: [Float], att: [Float], dropped: [Float], mask: [Float]) {
            var out = [Float](repeating: 0, count: outCount), att = [Float](repeating: 0, count: shape.attentionCount)
            var dropped = att, mask = att
            var rng = RandomSource(seed: 11)  // the same mask on every call
            attentionForward(&out, &att, &dropped, &mask, qkv, shape: shape, dropout: p, rng: &rng)
            return (out, att, dropped, mask)
        }
        checkGradients("attention p=\(p)", inputs: [randomArray(qkvCount, seed: 8)], outputCount: outCount,
                       forward: { x in run(x[0]).out },
                       backward: { x, dout in
                           let f = run(x[0])
                           var dqkv = [Float](repeating: 0, count: qkvCount), scratch = [Float](repeating: 0, count: 2 * shape.t * shape.t)
                           attentionBackward(&dqkv, dout, x[0], f.att, f.dropped, f.mask, shape: shape, scratch: &scratch)
                           return [dqkv]
                       })
    }

    @Test func attentionIsCausal() {
        // Changing a later position's q, k or v must not change an earlier output.
        let shape = AttentionShape(b: 1, t: 4, c: 4, heads: 2)
        var qkv = randomArray(shape.t * 3 * shape.c, seed: 9)
        func out(_ x: [Float]) -> [Float] {
            var o = [Float](repeating: 0, count: shape.t * shape.c), a = [Float](repeating: 0, count: shape.attentionCount), d = a, m = a
            var rng = RandomSource(seed: 1)
            attentionForward(&o, &a, &d, &m, x, shape: shape, dropout: 0, rng: &rng)
            return o
        }
        let before = out(qkv)
        for i in (3 * 3 * shape.c)..<(4 * 3 * shape.c) { qkv[i] += 1 }  // perturb the last position only
        let after = out(qkv)
        #expect(Array(before[..<(3 * shape.c)]) == Array(after[..<(3 * shape.c)]))
        #expect(Array(before[(3 * shape.c)...]) != Array(after[(3 * shape.c)...]))
    }

    @Test func dropoutAndEmbedding() {
        let n = 30
        checkGradients("dropout", inputs: [randomArray(n, seed: 10)], outputCount: n,
                       forward: { x in
                           var out = [Float](repeating: 0, count: n), mask = out
                           var rng = RandomSource(seed: 3)
                           dropoutForward(&out, &mask, x[0], count: n, p: 0.5, rng: &rng)
                           return out
                       },
                       backward: { x, dout in
                           var out = [Float](repeating: 0, count: n), mask = out, dx = out
                           var rng = RandomSource(seed: 3)
                           dropoutForward(&out, &mask, x[0], count: n, p: 0.5, rng: &rng)
                           dropoutBackward(&dx, dout, mask, count: n)
                           return [dx]
                       })
        let v = 5, c = 3, index: [Int32] = [0, 3, 3, -1, 1]
        checkGradients("embedding", inputs: [randomArray(v * c, seed: 12)], outputCount: index.count * c,
                       forward: { x in
                           var out = [Float](repeating: 0, count: index.count * c)
                           embeddingForward(&out, x[0], index, m: index.count, c: c)
                           return out
                       },
                       backward: { _, dout in
                           var dt = [Float](repeating: 0, count: v * c)
                           embeddingBackward(&dt, dout, index, m: index.count, c: c)
                           return [dt]
                       })
    }
}

/// The fast elementwise math against libm, its slow twin.
@Suite struct FastMathTests {
    @Test func expAndErfMatchLibm() {
        var maxExp: Float = 0, maxErf: Float = 0
        for i in -8000...8000 {
            let x = Float(i) / 100
            maxExp = max(maxExp, abs(fastExp(x) - Foundation.exp(x)) / Foundation.exp(x))
            let e = Float(i) / 1000
            maxErf = max(maxErf, abs(fastErf(e) - Foundation.erf(e)))
        }
        #expect(maxExp < 5e-7, "max relative error of fastExp = \(maxExp)")
        #expect(maxErf < 5e-7, "max absolute error of fastErf = \(maxErf)")
    }

    @Test func adamStepMatchesTheFormula() {
        var p: [Float] = [1, -2], m: [Float] = [0, 0], v: [Float] = [0, 0]
        let g: [Float] = [0.5, -1]
        adamStep(params: &p, grads: g, m: &m, v: &v, count: 2, lr: 0.1, step: 1, settings: AdamSettings(weightDecay: 0.1))
        // Step 1: m̂ = g', v̂ = g'² so the update is lr·sign(g') (up to eps), with g' = g + 0.1·p.
        #expect(abs(p[0] - 0.9) < 1e-6 && abs(p[1] - (-1.9)) < 1e-6)
        #expect(abs(m[0] - 0.1 * 0.6) < 1e-7)
    }

    @Test func decoupledDecayShrinksTheWeightsAndLeavesTheMomentsAlone() {
        var p: [Float] = [1, -2], m: [Float] = [0, 0], v: [Float] = [0, 0]
        let g: [Float] = [0.5, -1]
        adamStep(params: &p, grads: g, m: &m, v: &v, count: 2, lr: 0.1, step: 1, settings: AdamSettings(decoupledWeightDecay: 0.1))
        // AdamW: p·(1 − lr·λ) = p·0.99, then the step-1 update lr·sign(g) computed from g alone.
        #expect(abs(p[0] - 0.89) < 1e-6 && abs(p[1] - (-1.88)) < 1e-6)
        #expect(abs(m[0] - 0.1 * 0.5) < 1e-7 && abs(v[1] - 0.001 * 1) < 1e-7)
    }
}

/// The SIMD reductions against scalar loops, at lengths around the vector width.
@Suite struct ReductionTests {
    @Test(arguments: [1, 7, 8, 9, 16, 33, 12101])
    func reductionsMatchScalarLoops(_ n: Int) {
        var x = randomArray(n, seed: UInt64(n), scale: 5)
        #expect(maxReduce(x, count: n) == x.max()!)
        let scalarSum = x.reduce(0.0) { $0 + Double($1) }
        #expect(abs(Double(sumReduce(x, count: n)) - scalarSum) < 1e-4 * Double(n))
        let m = x.max()!
        let expected = x.map { Foundation.exp(Double($0 - m)) }
        let sum = expShiftSum(&x, count: n, shift: m)
        #expect(abs(Double(sum) - expected.reduce(0, +)) < 1e-5 * Double(n))
        #expect(zip(x, expected).allSatisfy { abs(Double($0) - $1) < 1e-6 })
    }
}
