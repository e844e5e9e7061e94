import Foundation
import SRTRegistry
import SRTScaling
import SRTTraining

/// The runs of one sweep, read from the registry as the laws see them: each at its best validation
/// epoch (N, the interactions seen up to it, the FLOPs spent up to it, its validation NDCG@10), with
/// its curve (FLOPs and validation NDCG@10 after every epoch) from its train_log.jsonl layer.
enum ScalingPoints {
    /// The tag prefix of a sweep's runs: its repository.
    static func prefix(_ name: String) -> String { name + ":" }

    static func read(sweep name: String, registry: Registry) throws -> (points: [ScalingPoint], runs: [Registry.StoredRun]) {
        let runs = try registry.runs(tagPrefix: prefix(name))
        guard !runs.isEmpty else {
            throw RegistryError(.notFound, "no run in \(registry.home.path) is tagged \(prefix(name))…",
                                hint: "srthub scaling sweep --name \(name) … trains and tags them (srthub list shows what is stored)")
        }
        let datasets = Set(runs.map { $0.dataset ?? "?" })
        guard datasets.count == 1 else {
            throw RegistryError(.badCheckpoint, "the runs tagged \(prefix(name))… were trained on different datasets (\(datasets.sorted().joined(separator: ", "))): one fit mixes one dataset's runs",
                                hint: "give each dataset's sweep its own --name")
        }
        var points: [ScalingPoint] = []
        for run in runs {
            let facts = run.facts
            let label = run.tags.first { $0.hasPrefix(prefix(name)) }.map { String($0.dropFirst(prefix(name).count)) } ?? run.digest.short
            var curve: [ScalingPoint.CurvePoint] = []
            var seenAtBest = Double(facts.seenInteractions), flopsAtBest = facts.flops
            if let data = try registry.layer("train_log.jsonl", of: run.digest) {
                let epochs = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
                    try? JSONDecoder().decode(EpochSummary.self, from: Data($0.utf8))
                }
                let total = Double(epochs.reduce(0) { $0 + $1.targets })
                var seen = 0.0
                for epoch in epochs {
                    seen += Double(epoch.targets)
                    // FLOPs accrue with the targets trained on (the step's products scale with them).
                    let flops = total > 0 ? facts.flops * seen / total : facts.flops
                    curve.append(.init(flops: flops, metric: epoch.validationNDCG10))
                    if epoch.epoch == facts.bestEpoch { (seenAtBest, flopsAtBest) = (Double(facts.seenInteractions) * seen / max(total, 1), flops) }
                }
            }
            points.append(ScalingPoint(name: label, parameters: Double(facts.nonEmbeddingParameters), interactions: seenAtBest,
                                       flops: flopsAtBest, metric: facts.validationNDCG10, curve: curve))
        }
        return (points, runs)
    }
}
