import SRTData
import SRTModel

/// Evaluation of a multi-catalog model: each catalog's cases are ranked among that catalog's own
/// items (a shop recommends its own products), and the pooled result weighs every case equally.
/// A single catalog is evaluated as it is.
public enum CatalogEvaluation {
    public struct Results: Sendable {
        public let overall: Evaluator.Result
        /// Per catalog, in the union's order; empty for a single catalog.
        public let byCatalog: [(name: String, result: Evaluator.Result)]
    }

    public static func evaluate(_ network: Network, cases: [EvaluationCase], catalogs: [CatalogPart], ks: [Int] = [1, 5, 10]) -> Results {
        guard !catalogs.isEmpty else { return Results(overall: Evaluator.evaluate(network, cases: cases, ks: ks), byCatalog: []) }
        let groups = group(cases, by: catalogs)
        let results = zip(catalogs, groups).map { catalog, cases in
            (name: catalog.name, result: Evaluator.evaluate(network, cases: cases, ks: ks, among: catalog.items))
        }
        return Results(overall: pooled(results.map(\.result)), byCatalog: results)
    }

    /// The cases of each catalog (by user), at most `limit` of each when given.
    public static func group(_ cases: [EvaluationCase], by catalogs: [CatalogPart], limit: Int? = nil) -> [[EvaluationCase]] {
        var groups = [[EvaluationCase]](repeating: [], count: catalogs.count)
        for item in cases {
            guard let c = catalogs.firstIndex(where: { $0.users.contains(Int(item.user)) }) else { continue }
            if groups[c].count < (limit ?? Int.max) { groups[c].append(item) }
        }
        return groups
    }

    /// The validation cases an epoch scores: all, or `limit` of them (for a union, an equal share
    /// per catalog, so a large catalog does not decide model selection alone).
    public static func validationCases(_ split: DatasetSplit, limit: Int?) -> [EvaluationCase] {
        guard let limit else { return split.validation }
        guard !split.catalogs.isEmpty else { return Array(split.validation.prefix(limit)) }
        let share = (limit + split.catalogs.count - 1) / split.catalogs.count
        return group(split.validation, by: split.catalogs, limit: share).flatMap { $0 }
    }

    /// Metrics averaged over all cases of several results.
    static func pooled(_ results: [Evaluator.Result]) -> Evaluator.Result {
        let total = results.reduce(0) { $0 + $1.cases }
        func mean(_ pick: (Evaluator.Result) -> [String: Double]) -> [String: Double] {
            var sum: [String: Double] = [:]
            for r in results { for (k, v) in pick(r) { sum[k, default: 0] += v * Double(r.cases) } }
            return sum.mapValues { $0 / Double(max(total, 1)) }
        }
        return Evaluator.Result(cases: total, masked: mean(\.masked), unmasked: mean(\.unmasked))
    }
}
