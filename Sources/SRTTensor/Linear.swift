// Legend: M rows (B·T), C input channels, OC output channels.
// Weights are stored [OC, C] as PyTorch's nn.Linear does, so checkpoints read there unchanged.

/// out[M,OC] = inp[M,C] · W[OC,C]ᵀ + bias[OC]
public func linearForward(
    _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ bias: UnsafePointer<Float>?, m: Int, c: Int, oc: Int
) {
    if let bias {
        for row in 0..<m { (out + row * oc).update(from: bias, count: oc) }
        matmul(out, inp, weight, m: m, n: oc, k: c, transB: true, beta: 1)
    } else {
        matmul(out, inp, weight, m: m, n: oc, k: c, transB: true)
    }
}

/// Accumulates: dinp += dout·W, dW += doutᵀ·inp, dbias += Σ_rows dout. `dinp` may be nil when
/// the input needs no gradient.
public func linearBackward(
    _ dinp: UnsafeMutablePointer<Float>?, _ dweight: UnsafeMutablePointer<Float>, _ dbias: UnsafeMutablePointer<Float>?,
    _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, m: Int, c: Int, oc: Int
) {
    if let dinp { matmul(dinp, dout, weight, m: m, n: c, k: oc, beta: 1) }
    matmul(dweight, dout, inp, m: oc, n: c, k: m, transA: true, beta: 1)
    if let dbias {
        for row in 0..<m {
            let d = dout + row * oc
            for o in 0..<oc { dbias[o] += d[o] }
        }
    }
}
