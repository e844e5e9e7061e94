import Foundation

/// Ranking metrics for one target per case. Ties are broken pessimistically: the target ranks
/// below every other item with a score at least as high, so a constant scorer earns nothing.
public struct MetricAccumulator: Sendable {
    public let ks: [Int]
    private var ndcg: [Double], hits: [Double], reciprocal: [Double]
    public private(set) var cases = 0

    public init(ks: [Int]) {
        self.ks = ks
        ndcg = Array(repeating: 0, count: ks.count)
        hits = ndcg
        reciprocal = ndcg
    }

    /// Adds one case whose target had 1-based `rank`.
    public mutating func add(rank: Int) {
        cases += 1
        for (i, k) in ks.enumerated() where rank <= k {
            ndcg[i] += Self.ndcgGain(rank)
            hits[i] += 1
            reciprocal[i] += 1 / Double(rank)
        }
    }

    /// One case's NDCG at a cutoff it makes (one relevant item: the ideal DCG is 1).
    @inline(__always) static func ndcgGain(_ rank: Int) -> Double { 1 / log2(Double(rank) + 1) }

    /// One case's value of `ndcg@K`, `hr@K` or `mrr@K` from its rank: what `values` averages.
    static func value(of metric: String) -> (Int) -> Double {
        let parts = metric.split(separator: "@")
        let k = parts.count == 2 ? Int(parts[1]) ?? 10 : 10
        switch parts.first {
        case "hr": return { $0 <= k ? 1 : 0 }
        case "mrr": return { $0 <= k ? 1 / Double($0) : 0 }
        default: return { $0 <= k ? ndcgGain($0) : 0 }
        }
    }

    /// `ndcg@K`, `hr@K`, `mrr@K` averaged over cases (misses count 0).
    public var values: [String: Double] {
        var out: [String: Double] = [:]
        let n = Double(max(cases, 1))
        for (i, k) in ks.enumerated() {
            out["ndcg@\(k)"] = ndcg[i] / n
            out["hr@\(k)"] = hits[i] / n
            out["mrr@\(k)"] = reciprocal[i] / n
        }
        return out
    }

    /// 1 + the number of candidates other than the target scoring at least as high.
    public static func rank(of target: Int, scores: UnsafePointer<Float>, count: Int, excluded: Set<Int32> = []) -> Int {
        1 + atLeast(scores[target], scores: scores, count: count) - 1 - excludedAtLeast(target, scores: scores, excluded: excluded)
    }

    /// A score as ranking compares it: a non-finite score (a diverged model's NaN or ±inf) counts as
    /// −inf, so such a target ranks last, never first (NaN compares false with everything).
    @inline(__always) static func comparable(_ s: Float) -> Float { s.isFinite ? s : -.infinity }

    /// How many of the `count` scores are ≥ `s` (a branch-free loop the compiler vectorizes).
    static func atLeast(_ s: Float, scores: UnsafePointer<Float>, count: Int) -> Int {
        let s = comparable(s)
        var n = 0
        for v in 0..<count { n &+= comparable(scores[v]) >= s ? 1 : 0 }
        return n
    }

    /// How many excluded items other than the target score at least as high as it.
    static func excludedAtLeast(_ target: Int, scores: UnsafePointer<Float>, excluded: Set<Int32>) -> Int {
        let s = comparable(scores[target])
        var n = 0
        for v in excluded where Int(v) != target && comparable(scores[Int(v)]) >= s { n += 1 }
        return n
    }
}
