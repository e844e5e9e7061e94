import Foundation
import SRTData
import SRTModel
import SRTTensor

/// Everything `srthub eval` needs, parsed.
public struct EvalRequest: Sendable {
    public var checkpoint: String
    /// One catalog, or the catalogs of a union (each case then ranked among its own catalog's items).
    public var dataPaths: [String]
    public var corpusName: String?
    public var dataPath: String { dataPaths.joined(separator: ", ") }
    public var load = LoadOptions()
    public var splitProtocol: SplitProtocol = .leaveOneOut
    public var modes: [EvaluationMode] = [EvaluationMode(maskHistory: true), EvaluationMode(maskHistory: false)]
    public var ks = [1, 5, 10]
    public var baselines: [Baseline] = []
    /// Epochs for trained baselines (default: the checkpoint's recipe).
    public var baselineEpochs: Int?
    /// The losses the `sasrec` baseline trains with, one baseline each (empty: SASRec's BCE).
    public var sasrecLosses: [LossKind] = []
    /// CPU threads: OpenBLAS's while scoring (ranks do not depend on it), the workers of trained baselines.
    public var threads = 2
    /// Where trained baselines are kept, one checkpoint folder per recipe; nil trains them afresh each time.
    public var cacheFolder: String?
    public var seed: UInt64 = 0
    /// Evaluate on the validation cases instead of the test cases.
    public var onValidation = false
    /// Report the model's rank for every user (for paired bootstrap intervals between models).
    public var keepRanks = false

    public init(checkpoint: String, dataPath: String) {
        self.init(checkpoint: checkpoint, dataPaths: [dataPath])
    }

    public init(checkpoint: String, dataPaths: [String]) {
        self.checkpoint = checkpoint
        self.dataPaths = dataPaths
    }
}

public struct EvalReport: Codable, Sendable {
    public struct Row: Codable, Sendable {
        public let name: String
        /// "model" or the baseline's name.
        public let kind: String
        /// Per mode (its description), the metrics.
        public let results: [String: [String: Double]]
        public let checkpoint: String?
        public let cached: Bool?
        /// Per mode, the model − this row on NDCG at the largest K, with its 95% paired-bootstrap
        /// interval over the users (baselines only).
        public var versusModel: [String: PairedDifference]? = nil

        enum CodingKeys: String, CodingKey {
            case name, kind, results, checkpoint, cached
            case versusModel = "versus_model"
        }
    }

    public let dataset: String
    public let datasetFingerprint: String
    public let `protocol`: String
    public let cases: Int
    public let ks: [Int]
    public let modes: [String]
    public let rows: [Row]
    public let seconds: Double
    /// The model's per-user ranks, [mode description: rank per case], cases in `users`' order
    /// (when asked for: `EvalRequest.keepRanks`).
    public var ranks: [String: [Int]]? = nil
    public var users: [String]? = nil

    enum CodingKeys: String, CodingKey {
        case dataset, cases, ks, modes, rows, seconds, `protocol`, ranks, users
        case datasetFingerprint = "dataset_fingerprint"
    }

    /// The checkpoint's own results as registry evaluations (eval.json entries), each with the
    /// baselines it was compared with and the differences' intervals.
    public var modelEvaluations: [Evaluation] {
        guard let model = rows.first(where: { $0.kind == "model" }) else { return [] }
        return modes.compactMap { mode in
            let compared = rows.compactMap { row in
                row.versusModel?[mode].map { d in
                    BaselineComparison(name: row.name, metric: d.metric, value: d.other, difference: d.difference, low: d.low, high: d.high,
                                       resamples: d.resamples)
                }
            }
            return EvaluationMode(parsing: mode).map {
                Evaluation(dataset: dataset, datasetFingerprint: datasetFingerprint, protocol: `protocol`, mode: $0,
                           metrics: model.results[mode] ?? [:], baselines: compared.isEmpty ? nil : compared)
            }
        }
    }
}

public enum EvaluationRun {
    public static func run(_ request: EvalRequest, progress: (TrainingEvent) -> TrainingControl) throws -> EvalReport {
        let started = Date()
        let dataset = try DatasetLoader.load(request.dataPaths, name: request.corpusName, options: request.load)
        let split = try dataset.split(request.splitProtocol)
        let fingerprint = dataset.fingerprint()
        let protocolName = Evaluation.protocolName("\(request.splitProtocol)", onValidation: request.onValidation)
        let cases = request.onValidation ? split.validation : split.test
        if request.baselines.contains(.text) && dataset.textFields.isEmpty {
            throw TrainingError.badData("the text baseline needs item text, and \(dataset.name) has none: drop text from --baselines")
        }
        _ = progress(.note("data \(dataset.name): \(cases.count) \(request.onValidation ? "validation" : "test") users, \(dataset.itemCount) items, \(protocolName)"))

        var rowRanks: [[[Int]]] = []  // [row][mode][case]; row 0 is the model's
        // A scorer for the whole catalog (nil) or for one catalog's items of a union (its range).
        func evaluate(_ scorer: (Range<Int>?) -> any HistoryScorer) throws -> [String: [String: Double]] {
            let ranks = try catalogRanks(scorer, cases: cases, split: split, request: request)
            rowRanks.append(ranks)
            return Dictionary(uniqueKeysWithValues: zip(request.modes.map(\.description), ranks.map { RankingEvaluation.metrics(of: $0, ks: request.ks) }))
        }

        let model = try Checkpoint.load(from: request.checkpoint, scoring: dataset.catalog, maxBatch: RankingEvaluation.batchSize)
        let name = (request.checkpoint as NSString).lastPathComponent
        if !dataset.catalogs.isEmpty { _ = progress(.note("\(dataset.catalogs.count) catalogs: each user's target is ranked among its own catalog's items")) }
        var rows = [EvalReport.Row(name: name, kind: "model", results: try evaluate { NetworkScorer(model.network, among: $0) },
                                   checkpoint: request.checkpoint, cached: nil)]
        // The sasrec baseline once per requested loss.
        let trained = request.baselines.flatMap { baseline -> [(Baseline, LossKind?)] in
            baseline == .sasrec && !request.sasrecLosses.isEmpty ? request.sasrecLosses.map { (baseline, $0) } : [(baseline, nil)]
        }
        for (baseline, loss) in trained {
            if baseline == .pop {
                rows.append(.init(name: baseline.label, kind: baseline.rawValue,
                                  results: try evaluate { PopularityScorer(popularity: $0.map { Array(split.popularity[$0]) } ?? split.popularity) },
                                  checkpoint: nil, cached: nil))
                continue
            }
            if baseline == .text {
                rows.append(.init(name: baseline.label, kind: baseline.rawValue,
                                  results: try evaluate { TextSimilarityScorer(itemText: $0.map { Array(dataset.itemText[$0]) } ?? dataset.itemText) },
                                  checkpoint: nil, cached: nil))
                continue
            }
            var recipe = BaselineRecipe(baseline, base: model.config, datasetFingerprint: fingerprint, split: protocolName,
                                        epochs: request.baselineEpochs, loss: loss)
            recipe.options.threads = request.threads  // a trained model depends on its thread count: part of the cache key
            let (folder, cached) = try trainedBaseline(recipe, request: request, progress: progress)
            defer { if request.cacheFolder == nil { try? FileManager.default.removeItem(atPath: folder) } }
            let loaded = try Checkpoint.load(from: folder, scoring: dataset.catalog, maxBatch: RankingEvaluation.batchSize)
            let label = loss.map { "sasrec (id, \($0))" } ?? baseline.label
            rows.append(.init(name: label, kind: baseline.rawValue, results: try evaluate { NetworkScorer(loaded.network, among: $0) },
                              checkpoint: request.cacheFolder == nil ? nil : folder, cached: cached))
        }
        // Each baseline against the model on the same users, per mode.
        let compared = "ndcg@\(request.ks.max() ?? 10)"
        for r in rows.indices.dropFirst() {
            rows[r].versusModel = Dictionary(uniqueKeysWithValues: request.modes.indices.map { m in
                (request.modes[m].description, PairedDifference(metric: compared, model: rowRanks[0][m], other: rowRanks[r][m], seed: request.seed))
            })
        }
        var report = EvalReport(dataset: dataset.name, datasetFingerprint: fingerprint, protocol: protocolName, cases: cases.count,
                                ks: request.ks, modes: request.modes.map(\.description), rows: rows, seconds: Date().timeIntervalSince(started))
        if request.keepRanks {
            report.ranks = Dictionary(uniqueKeysWithValues: zip(request.modes.map(\.description), rowRanks[0]))
            report.users = cases.map { dataset.userIDs[Int($0.user)] }
        }
        return report
    }

    /// Each case's rank per mode, [mode][case]: for a union, each catalog's cases among that
    /// catalog's own items (scored by `scorer(range)`, indices shifted to the range, negatives and
    /// popularity from the catalog), as train ranks them; else among the whole catalog.
    static func catalogRanks(_ scorer: (Range<Int>?) -> any HistoryScorer, cases: [EvaluationCase], split: DatasetSplit,
                             request: EvalRequest) throws -> [[Int]] {
        guard !split.catalogs.isEmpty else {
            return try RankingEvaluation.ranks(scorer(nil), cases: cases, modes: request.modes, ks: request.ks,
                                               popularity: split.popularity, seed: request.seed)
        }
        var ranks = [[Int]](repeating: [Int](repeating: 0, count: cases.count), count: request.modes.count)
        let owner = cases.map { c in split.catalogs.firstIndex { $0.users.contains(Int(c.user)) } }
        for (k, catalog) in split.catalogs.enumerated() {
            let members = cases.indices.filter { owner[$0] == k }
            guard !members.isEmpty else { continue }
            let first = Int32(catalog.items.lowerBound)
            let shifted = members.map { EvaluationCase(user: cases[$0].user, input: cases[$0].input.map { $0 - first }, target: cases[$0].target - first) }
            let part = try RankingEvaluation.ranks(scorer(catalog.items), cases: shifted, modes: request.modes, ks: request.ks,
                                                   popularity: Array(split.popularity[catalog.items]), seed: request.seed &+ UInt64(k))
            for m in request.modes.indices { for (j, i) in members.enumerated() { ranks[m][i] = part[m][j] } }
        }
        return ranks
    }

    /// The baseline's checkpoint folder, trained now unless the cache holds the same recipe.
    static func trainedBaseline(_ recipe: BaselineRecipe, request: EvalRequest,
                                progress: (TrainingEvent) -> TrainingControl) throws -> (String, Bool) {
        let folder = (request.cacheFolder ?? NSTemporaryDirectory() + "srthub-baselines") + "/" + recipe.key
        if request.cacheFolder != nil, FileManager.default.fileExists(atPath: folder + "/config.json") {
            _ = progress(.note("baseline \(recipe.baseline.rawValue): cached (\(folder))"))
            return (folder, true)
        }
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: folder).deletingLastPathComponent().path, withIntermediateDirectories: true)
        var train = TrainRequest(dataPaths: request.dataPaths, architecture: recipe.architecture, output: folder)
        train.corpusName = request.corpusName
        train.load = request.load
        train.splitProtocol = request.splitProtocol
        train.encoder = recipe.encoder
        train.fields = recipe.fields
        train.vocabularySize = recipe.vocabularySize
        train.tokenEmbedding = recipe.tokenEmbedding
        train.itemIDs = recipe.itemIDs == true
        train.options = recipe.options
        // Training splits each batch across the threads, each with one-threaded OpenBLAS; scoring
        // gives OpenBLAS the threads back.
        BLASThreads.set(1)
        defer { BLASThreads.set(request.threads) }
        train.computeFisher = false
        train.replacing = true  // the cache's own folder: a half-trained baseline left by a crash
        _ = progress(.note("baseline \(recipe.baseline.rawValue): training \(recipe.encoder) encoder, loss \(recipe.options.loss), up to \(recipe.options.epochs) epochs"))
        var stopped = false
        _ = try TrainingRun.run(train) { event in
            let answer = progress(event)
            if answer == .stop { stopped = true }
            return answer
        }
        if stopped {
            try? FileManager.default.removeItem(atPath: folder)  // an interrupted baseline is not a result to cache
            throw TrainingError.badOption("interrupted while training the \(recipe.baseline.rawValue) baseline")
        }
        return (folder, false)
    }
}
