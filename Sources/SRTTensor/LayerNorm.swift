// Legend: M rows, C channels. Per row: y = (x − mean)·rstd·w + b, rstd = 1/√(var + eps).

/// Writes `out` and caches `mean`[M] and `rstd`[M] for the backward pass.
public func layerNormForward(
    _ out: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, m: Int, c: Int, eps: Float
) {
    for row in 0..<m {
        let x = inp + row * c, y = out + row * c
        var sum: Float = 0
        for i in 0..<c { sum += x[i] }
        let mu = sum / Float(c)
        var sq: Float = 0
        for i in 0..<c { let d = x[i] - mu; sq += d * d }
        let s = 1 / (sq / Float(c) + eps).squareRoot()
        for i in 0..<c { y[i] = (x[i] - mu) * s * weight[i] + bias[i] }
        mean[row] = mu
        rstd[row] = s
    }
}

/// Accumulates dinp, dweight, dbias.
public func layerNormBackward(
    _ dinp: UnsafeMutablePointer<Float>, _ dweight: UnsafeMutablePointer<Float>, _ dbias: UnsafeMutablePointer<Float>,
    _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ mean: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>, m: Int, c: Int
) {
    for row in 0..<m {
        let x = inp + row * c, dy = dout + row * c, dx = dinp + row * c
        let mu = mean[row], s = rstd[row]
        var dnormMean: Float = 0, dnormNormMean: Float = 0
        for i in 0..<c {
            let norm = (x[i] - mu) * s
            let dnorm = dy[i] * weight[i]
            dnormMean += dnorm
            dnormNormMean += dnorm * norm
        }
        dnormMean /= Float(c)
        dnormNormMean /= Float(c)
        for i in 0..<c {
            let norm = (x[i] - mu) * s
            let dnorm = dy[i] * weight[i]
            dbias[i] += dy[i]
            dweight[i] += norm * dy[i]
            dx[i] += (dnorm - dnormMean - norm * dnormNormMean) * s
        }
    }
}
