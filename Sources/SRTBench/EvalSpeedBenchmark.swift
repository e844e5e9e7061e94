import Foundation
import SRTData
import SRTModel
import SRTTensor
import SRTTokenizer
import SRTTraining

/// Full-catalog evaluation of every test user, history masked and unmasked in one pass: item
/// vectors encoded once from text, user vectors by the transformer, scores by sgemm in blocks of
/// 256 users, each target's rank counted (the rank is what NDCG/HR/MRR need; no sort). The
/// network is freshly initialized: the work does not depend on the weights.
enum EvalSpeedBenchmark {
    static func run(_ args: [String]) throws {
        guard let path = args.first else { throw TrainingError.badOption("usage: SRTBench eval_speed DATA [--preset FILE] [--threads N] [--json FILE]") }
        let threads = value(args, "--threads").flatMap(Int.init) ?? 2
        let presetPath = value(args, "--preset") ?? "models/srt-64x2.json"
        BLASThreads.set(threads)
        var architecture = try PresetCatalog.read(path: presetPath)
        architecture.maxLength = 50
        let dataset = try DatasetLoader.load(path)
        let split = try dataset.split(.leaveOneOut)
        let work = NSTemporaryDirectory() + "srthub-bench-eval-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let fields = dataset.textFields
        let tokenizer = try SentencePieceTokenizer(modelPath: try ItemTextEncoding.trainTokenizer(on: dataset, fields: fields, vocabularySize: 30_000, folder: work) { _ in })
        let maxPieces = fields.map(ItemTextEncoding.defaultMaxPieces)
        let encoder = ItemEncoderConfig(kind: .text, fields: fields, maxPieces: maxPieces, vocabularySize: tokenizer.vocabularySize, tokenEmbedding: architecture.hidden)
        let network = Network(shape: ModelShape(architecture: architecture, itemEncoder: encoder, items: dataset.itemCount), maxBatch: 256)
        network.setCatalog(try ItemTextEncoding.tokens(for: dataset.catalog, fields: fields, maxPieces: maxPieces, tokenizer: tokenizer))
        let modes = [EvaluationMode(maskHistory: true), EvaluationMode(maskHistory: false)]
        var times: [Double] = []
        for _ in 0..<3 {
            times.append(try seconds {
                _ = try RankingEvaluation.evaluate(NetworkScorer(network), cases: split.test, modes: modes, ks: [1, 5, 10], popularity: split.popularity)
            })
        }
        let t = median(times)
        print("eval_speed: \(dataset.name), \(split.test.count) users × \(dataset.itemCount) items, preset \(architecture.name), \(threads) threads")
        print("  full ranking, masked + unmasked, median of 3   \(String(format: "%.2f", t)) s   (\(Int(Double(split.test.count) / t)) users/s)   goal < 5 s")
        if let out = value(args, "--json") {
            try writeJSON(["dataset": dataset.name, "users": split.test.count, "items": dataset.itemCount, "preset": architecture.name,
                           "threads": threads, "seconds": t, "runs": times, "goal_seconds": 5], to: out)
        }
    }

    static func value(_ args: [String], _ name: String) -> String? {
        args.firstIndex(of: name).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
    }
}
