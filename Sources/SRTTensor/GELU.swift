// GELU in its exact erf form, as the reference (RecBole) uses: 0.5·x·(1 + erf(x/√2)).

public func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count: Int) {
    for i in 0..<count {
        let x = inp[i]
        out[i] = 0.5 * x * (1 + fastErf(x * 0.70710678))
    }
}

/// Accumulates dinp += dout · GELU'(inp).
public func geluBackward(_ dinp: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ dout: UnsafePointer<Float>, count: Int) {
    for i in 0..<count {
        let x = inp[i]
        let cdf = 0.5 * (1 + fastErf(x * 0.70710678))
        let pdf = 0.39894228 * fastExp(-0.5 * x * x)
        dinp[i] += dout[i] * (cdf + x * pdf)
    }
}
