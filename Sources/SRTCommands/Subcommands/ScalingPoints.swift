import Foundation
import SRTEvaluation
import SRTRegistry
import SRTScaling
import SRTTraining

/// The runs of one sweep, read from the registry as the laws see them: each at its best validation
/// epoch (N, the interactions seen up to it, the FLOPs spent up to it, its validation NDCG@10), with
/// its curve (FLOPs and validation NDCG@10 after every epoch) from its train_log.jsonl layer.
enum ScalingPoints {
    /// The tag prefix of a sweep's runs: its repository.
    static func prefix(_ name: String) -> String { name + ":" }

    /// Which figure of a run Eq. 4 fits: its best validation NDCG@10 (recorded by every run), or a
    /// metric of an evaluation stored with it on its own data (`key` in `mode` on `split`, as `srthub
    /// eval` stores: a run can hold both splits' evaluations in one mode, so the split is named).
    struct Metric: Sendable {
        enum Split: String, CaseIterable, Sendable { case test, validation }
        static let validation = "validation_ndcg@10"
        var key = Metric.validation
        var mode = "full, history masked"
        var split = Split.test
        var isValidation: Bool { key == Metric.validation }
        var description: String {
            isValidation ? "validation NDCG@10, history masked, at each run's best epoch (Eq. 4) and after every epoch (Eq. 3)"
                : "\(key) of each run's stored \(split) evaluation (\(mode)) (Eq. 4); validation NDCG@10 after every epoch (Eq. 3)"
        }

        /// Whether a stored evaluation is this metric's: its mode, its split, the run's own data.
        func matches(_ evaluation: Evaluation, of run: Registry.StoredRun) -> Bool {
            evaluation.mode.description == mode && evaluation.datasetFingerprint == run.datasetFingerprint
                && evaluation.isOnValidation == (split == .validation) && evaluation.metrics[key] != nil
        }
    }

    /// The points, the stored runs they come from, and each run's training seconds (its epochs' sum).
    static func read(sweep name: String, registry: Registry, metric: Metric = Metric()) throws
        -> (points: [ScalingPoint], runs: [Registry.StoredRun], seconds: [Double]) {
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
        var seconds: [Double] = []
        for run in runs {
            let facts = run.facts
            let label = run.tags.first { $0.hasPrefix(prefix(name)) }.map { String($0.dropFirst(prefix(name).count)) } ?? run.digest.short
            var curve: [ScalingPoint.CurvePoint] = []
            var seenAtBest = Double(facts.seenInteractions), flopsAtBest = facts.flops, trained = 0.0
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
                    if epoch.epoch == facts.bestEpoch { (seenAtBest, flopsAtBest) = (seen, flops) }
                    trained += epoch.seconds
                }
            }
            var value = facts.validationNDCG10
            if !metric.isValidation {
                let stored = try registry.evaluations(of: run.digest).map(\.evaluation).first { metric.matches($0, of: run) }
                guard let found = stored?.metrics[metric.key] else {
                    let flag = metric.split == .validation ? " --validation" : ""
                    throw RegistryError(.notFound, "run \(prefix(name))\(label) has no stored \(metric.key) in mode '\(metric.mode)' on its own data's \(metric.split) split",
                                        hint: "evaluate every run the same way first, e.g. srthub eval \(prefix(name))\(label) --data DATA --negatives 10000\(flag) (with the run's --users-fraction), or fit --metric \(Metric.validation)")
                }
                value = found
            }
            points.append(ScalingPoint(name: label, parameters: Double(facts.nonEmbeddingParameters), interactions: seenAtBest,
                                       flops: flopsAtBest, metric: value, curve: curve))
            seconds.append(trained)
        }
        return (points, runs, seconds)
    }
}
