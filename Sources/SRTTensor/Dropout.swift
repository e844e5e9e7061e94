// Inverted dropout: kept units are scaled by 1/(1−p) in training, so inference does nothing.

/// Draws a mask (0 or 1/(1−p) per element) and writes out = inp · mask. With p = 0 the mask is all ones.
public func dropoutForward(
    _ out: UnsafeMutablePointer<Float>, _ mask: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
    count: Int, p: Float, rng: inout RandomSource
) {
    let keep = 1 / (1 - p)
    for i in 0..<count {
        mask[i] = p > 0 && rng.nextFloat() < p ? 0 : keep
        out[i] = inp[i] * mask[i]
    }
}

/// Accumulates dinp += dout · mask.
public func dropoutBackward(_ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ mask: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { dinp[i] += dout[i] * mask[i] }
}
