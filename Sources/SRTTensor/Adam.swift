/// Adam over one flat parameter buffer, with two kinds of weight decay: coupled L2 (the reference's
/// torch.optim.Adam with weight_decay: the decay is added to the gradient before the moments, so
/// Adam's normalization scales it away for weights with large gradients) and decoupled (AdamW:
/// every weight shrinks by lr × decay each step, whatever its gradient).
public struct AdamSettings: Sendable, Codable, Equatable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var eps: Float = 1e-8
    public var weightDecay: Float = 0
    public var decoupledWeightDecay: Float = 0
    public init(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Float = 0) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }
}

/// One step at learning rate `lr` over `count` parameters; `step` counts from 1. To freeze a
/// range, do not pass it: it stays bit-identical. `beta1` may be overridden per step (the one-cycle
/// schedule cycles it). `workers` threads share the elements (`forEachRange`), each computed as
/// one thread computes it.
public func adamStep(
    params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
    count: Int, lr: Float, step: Int, settings: AdamSettings, beta1: Float? = nil, workers: Int = 1
) {
    forEachRange(count: count, workers: workers) { part in
        let o = part.lowerBound
        adamStep(params + o, grads + o, m + o, v + o, count: part.count, lr: lr, step: step, settings: settings, beta1: beta1)
    }
}

private func adamStep(
    _ params: UnsafeMutablePointer<Float>, _ grads: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
    count: Int, lr: Float, step: Int, settings a: AdamSettings, beta1 overrideBeta1: Float?
) {
    let beta1 = overrideBeta1 ?? a.beta1
    let correction1 = 1 - pow(beta1, Float(step)), correction2 = 1 - pow(a.beta2, Float(step))
    if a.decoupledWeightDecay != 0 {  // torch.optim.AdamW shrinks before the Adam update; off, the loop below is all
        let shrink = 1 - lr * a.decoupledWeightDecay
        for i in 0..<count { params[i] *= shrink }
    }
    for i in 0..<count {
        let g = grads[i] + a.weightDecay * params[i]
        m[i] = beta1 * m[i] + (1 - beta1) * g
        v[i] = a.beta2 * v[i] + (1 - a.beta2) * g * g
        let mHat = m[i] / correction1, vHat = v[i] / correction2
        params[i] -= lr * mHat / (vHat.squareRoot() + a.eps)
    }
}

#if canImport(Glibc)
import Glibc
#endif
