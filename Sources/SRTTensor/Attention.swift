// Causal multi-head self-attention over a fused QKV buffer.
// Legend: B batch, T length, C channels, NH heads, HS = C/NH head size.
// qkv [B,T,3C]: Q in columns [0,C), K in [C,2C), V in [2C,3C); head h owns HS columns of each.
// Sequences are left-aligned (padding after the last item), so the causal mask alone keeps every
// real position from seeing padding.

public struct AttentionShape: Sendable {
    public let b, t, c, heads: Int
    public var headSize: Int { c / heads }
    public init(b: Int, t: Int, c: Int, heads: Int) { self.b = b; self.t = t; self.c = c; self.heads = heads }
    /// Floats in one of the [B,NH,T,T] caches.
    public var attentionCount: Int { b * heads * t * t }
}

/// out [B,T,C]; caches `att` (softmax) and `attDropped` (after attention dropout), each [B,NH,T,T].
public func attentionForward(
    _ out: UnsafeMutablePointer<Float>, _ att: UnsafeMutablePointer<Float>, _ attDropped: UnsafeMutablePointer<Float>,
    _ dropMask: UnsafeMutablePointer<Float>, _ qkv: UnsafePointer<Float>, shape s: AttentionShape,
    dropout p: Float, rng: inout RandomSource
) {
    let T = s.t, C = s.c, HS = s.headSize
    let scale = 1 / Float(HS).squareRoot()
    for b in 0..<s.b {
        for h in 0..<s.heads {
            let q = qkv + b * T * 3 * C + h * HS
            let k = q + C, v = q + 2 * C
            let a = att + (b * s.heads + h) * T * T
            gemm(a, ldc: T, q, lda: 3 * C, k, ldb: 3 * C, m: T, n: T, k: HS, transB: true, alpha: scale)
            for row in 0..<T { causalSoftmaxRow(a + row * T, count: T, valid: row + 1) }
            let ad = attDropped + (b * s.heads + h) * T * T
            dropoutForward(ad, dropMask + (b * s.heads + h) * T * T, a, count: T * T, p: p, rng: &rng)
            gemm(out + b * T * C + h * HS, ldc: C, ad, lda: T, v, ldb: 3 * C, m: T, n: HS, k: T)
        }
    }
}

/// Softmax of the first `valid` entries of a row, zeros after them.
@inline(__always)
func causalSoftmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int, valid: Int) {
    let sum = expShiftSum(row, count: valid, shift: maxReduce(row, count: valid))
    scale(row, count: valid, by: 1 / sum)
    for j in valid..<count { row[j] = 0 }
}

/// Accumulates dqkv. `scratch` holds 2·T·T floats.
public func attentionBackward(
    _ dqkv: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ qkv: UnsafePointer<Float>,
    _ att: UnsafePointer<Float>, _ attDropped: UnsafePointer<Float>, _ dropMask: UnsafePointer<Float>,
    shape s: AttentionShape, scratch: UnsafeMutablePointer<Float>
) {
    let T = s.t, C = s.c, HS = s.headSize
    let scale = 1 / Float(HS).squareRoot()
    let dAttDropped = scratch, dScores = scratch + T * T
    for b in 0..<s.b {
        for h in 0..<s.heads {
            let offset = b * T * 3 * C + h * HS
            let q = qkv + offset, k = q + C, v = q + 2 * C
            let dq = dqkv + offset, dk = dq + C, dv = dq + 2 * C
            let o = dout + b * T * C + h * HS
            let a = att + (b * s.heads + h) * T * T
            let ad = attDropped + (b * s.heads + h) * T * T
            let mask = dropMask + (b * s.heads + h) * T * T
            gemm(dAttDropped, ldc: T, o, lda: C, v, ldb: 3 * C, m: T, n: T, k: HS, transB: true)
            gemm(dv, ldc: 3 * C, ad, lda: T, o, ldb: C, m: T, n: HS, k: T, transA: true, beta: 1)
            for row in 0..<T {
                let ar = a + row * T, da = dAttDropped + row * T, ds = dScores + row * T, mr = mask + row * T
                var dot: Float = 0
                for j in 0...row { dot += ar[j] * da[j] * mr[j] }
                for j in 0...row { ds[j] = ar[j] * (da[j] * mr[j] - dot) }
                for j in (row + 1)..<T { ds[j] = 0 }
            }
            gemm(dq, ldc: 3 * C, dScores, lda: T, k, ldb: 3 * C, m: T, n: HS, k: T, alpha: scale, beta: 1)
            gemm(dk, ldc: 3 * C, dScores, lda: T, q, ldb: 3 * C, m: T, n: HS, k: T, transA: true, alpha: scale, beta: 1)
        }
    }
}
