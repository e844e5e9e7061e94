import SRTModel

/// Elastic Weight Consolidation: λ · Σ F·(θ − θ*)² over every parameter (the paper's convention:
/// no ½ factor, λ = 100 by default), F the diagonal Fisher and θ* the weights of the base model.
/// Frozen parameters stay at θ*, so they add nothing; the gradient 2λF(θ − θ*) goes to the
/// trained ones only.
public struct ElasticWeightConsolidation: Sendable {
    public let lambda: Float
    public let fisher: [Float]
    public let anchor: [Float]

    public init(lambda: Float, fisher: [Float], anchor: [Float]) {
        precondition(fisher.count == anchor.count)
        self.lambda = lambda
        self.fisher = fisher
        self.anchor = anchor
    }

    /// The penalty at `params`.
    public func penalty(_ params: UnsafePointer<Float>) -> Double {
        var sum = 0.0
        for i in fisher.indices {
            let d = Double(params[i] - anchor[i])
            sum += Double(fisher[i]) * d * d
        }
        return Double(lambda) * sum
    }

    /// Adds the penalty's gradient to `grads` over `ranges`.
    public func addGradient(_ params: UnsafePointer<Float>, into grads: UnsafeMutablePointer<Float>, ranges: [Range<Int>]) {
        let twoLambda = 2 * lambda
        for range in ranges {
            for i in range { grads[i] += twoLambda * fisher[i] * (params[i] - anchor[i]) }
        }
    }
}

extension ParameterLayout {
    /// The layout ranges of the named tensors, adjacent ones merged.
    public func ranges(of names: Set<String>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for entry in entries where names.contains(entry.name) {
            if let last = out.last, last.upperBound == entry.offset {
                out[out.count - 1] = last.lowerBound..<entry.range.upperBound
            } else {
                out.append(entry.range)
            }
        }
        return out
    }
}
