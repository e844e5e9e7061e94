import Foundation
import SRTData
import SRTModel
import SRTTensor
import SRTTokenizer

/// Everything `srthub train` needs, parsed.
public struct TrainRequest: Sendable {
    /// One catalog, or several trained on at once (their union: `Dataset.union`).
    public var dataPaths: [String]
    /// The union's name (a corpus file's); nil: the catalogs' names joined by "+".
    public var corpusName: String?
    public var dataPath: String { dataPaths.joined(separator: ", ") }
    public var load = LoadOptions()
    public var splitProtocol: SplitProtocol = .leaveOneOut
    public var architecture: Architecture
    public var encoder: ItemEncoderConfig.Kind = .text
    /// Text fields to encode; nil = every field with some text.
    public var fields: [String]?
    public var vocabularySize = 30_000
    public var tokenEmbedding: Int?
    /// Text models: add a per-item table to the text encoding (`ItemEncoderConfig.itemIDs`).
    public var itemIDs = false
    public var options = TrainingOptions()
    public var output: String
    /// A checkpoint folder with resume/ to continue (its model and recipe are used; --data must be the same data).
    public var resume: String?
    /// Whether to compute the diagonal Fisher (for EWC fine-tuning later); baselines skip it.
    public var computeFisher = true
    /// The license recorded in config.json (`--license`); nil: none said.
    public var license: String?
    /// Whether a checkpoint already in `output` may be replaced (`--force`).
    public var replacing = false

    public init(dataPath: String, architecture: Architecture, output: String) {
        self.init(dataPaths: [dataPath], architecture: architecture, output: output)
    }

    public init(dataPaths: [String], architecture: Architecture, output: String) {
        self.dataPaths = dataPaths
        self.architecture = architecture
        self.output = output
    }
}

public struct TrainReport: Codable, Sendable {
    public let checkpoint: String
    public let parameters: Int
    public let nonEmbeddingParameters: Int
    public let bestEpoch: Int
    public let epochs: Int
    public var seconds: Double
    public let validationNDCG10: Double
    public let test: Evaluator.Result
    /// `finetune` only: the text baseline's validation NDCG@10 on the same cases (`TextBaselineCheck`).
    public var textBaselineValidationNDCG10: Double? = nil
    /// `finetune` only: true where the base lost the start probe and the result is a run from scratch.
    public var baseLostProbe: Bool? = nil
}

public enum TrainingRun {
    public static func run(_ request: TrainRequest, progress: (TrainingEvent) -> TrainingControl) throws -> TrainReport {
        let started = Date()
        try OutputFolder.check(request.output, replacing: request.replacing || request.resume == request.output)
        try request.architecture.validate()
        try request.options.checkLabelSmoothing()
        let dataset = try DatasetLoader.load(request.dataPaths, name: request.corpusName, options: request.load)
        let split = try dataset.split(request.splitProtocol)
        guard !split.validation.isEmpty else { throw TrainingError.badData("\(request.dataPath): no user has enough items for validation") }
        if request.resume == nil {  // a resumed run follows its checkpoint's recipe, checked when it started
            try checkLoss(request.options.loss, trainSequences: split.train, items: dataset.itemCount,
                          catalogs: request.options.negatives == .catalog ? dataset.catalogs.map(\.items) : [])
        }
        _ = progress(.note("data \(dataset.name): \(dataset.userCount) users, \(dataset.itemCount) items, \(split.trainInteractions) training interactions, split \(split.splitProtocol)"))
        for part in dataset.catalogs {
            _ = progress(.note("  catalog \(part.name): \(part.users.count) users, \(part.items.count) items"))
        }

        let work = NSTemporaryDirectory() + "srthub-train-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }

        let network: Network
        let trainer: Trainer
        var tokenizerPath: String?
        if let folder = request.resume {
            (network, trainer) = try resumed(from: folder, dataset: dataset, split: split, request: request, progress: progress)
            tokenizerPath = network.shape.itemEncoder.kind == .text ? folder + "/tokenizer.model" : nil
            if let path = tokenizerPath {  // the checkpoint folder is replaced at the end: keep a copy
                try FileManager.default.copyItem(atPath: path, toPath: work + "/tokenizer.model")
                tokenizerPath = work + "/tokenizer.model"
            }
        } else {
            guard !request.itemIDs || request.encoder == .text else {
                throw TrainingError.badOption("--item-ids adds an item table to a text encoder; an ID model (--item-encoder id) is one already")
            }
            var encoder = ItemEncoderConfig(kind: request.encoder)
            var tokens: ItemTokens?
            if request.encoder == .text {
                let stats = DatasetStatistics(dataset)
                let fields = request.fields ?? stats.textCoverage.filter { $0.itemsWithText > 0 }.map(\.field)
                guard !fields.isEmpty else { throw TrainingError.badData("no item has any text: use --item-encoder id") }
                try checkEveryCatalogHasText(dataset, fields: fields)
                let path = try ItemTextEncoding.trainTokenizer(on: dataset, fields: fields, vocabularySize: request.vocabularySize, folder: work) {
                    _ = progress(.note($0))
                }
                let tokenizer = try SentencePieceTokenizer(modelPath: path)
                let maxPieces = fields.map(ItemTextEncoding.defaultMaxPieces)
                encoder = ItemEncoderConfig(kind: .text, fields: fields, maxPieces: maxPieces, vocabularySize: tokenizer.vocabularySize,
                                            tokenEmbedding: request.tokenEmbedding ?? request.architecture.hidden)
                // --fields that leave out a column with text: say so, or scoring would join it into the first field.
                let withText = stats.textCoverage.filter { $0.itemsWithText > 0 }.map(\.field)
                if !withText.allSatisfy(fields.contains) { encoder.sources = fields.map { [$0] } }
                if request.itemIDs { encoder.itemIDs = true }
                tokens = try ItemTextEncoding.tokens(for: dataset.catalog, fields: fields, maxPieces: maxPieces, tokenizer: tokenizer)
                tokenizerPath = path
                _ = progress(.note("text encoder: fields \(fields.joined(separator: ", ")), \(tokenizer.vocabularySize) pieces"))
            }
            let shape = ModelShape(architecture: request.architecture, itemEncoder: encoder, items: dataset.itemCount)
            network = Network(shape: shape, maxBatch: request.options.networkBatch, seed: request.options.seed)
            if let tokens { network.setCatalog(tokens) }
            trainer = Trainer(network: network, split: split, options: request.options)
            _ = progress(.note("model: \(network.layout.count) parameters (\(network.layout.count - network.layout.embeddingCount) non-embedding), \(trainer.stepsPerEpoch) steps per epoch, loss \(request.options.loss), OpenBLAS \(BLASKernel.current) kernels"))
            trainer.run(progress: progress)
        }
        let shape = network.shape
        // Stopped before its end: written at once, to resume, without the Fisher and test passes (minutes on big data).
        let incomplete = trainer.isResumable
        var fisher: [Float]?
        if request.computeFisher && !incomplete {
            _ = progress(.note("computing the diagonal Fisher information on the training data (for EWC fine-tuning)"))
            fisher = trainer.fisher()
        }
        let tested = incomplete ? CatalogEvaluation.Results(overall: .empty, byCatalog: [])
            : CatalogEvaluation.evaluate(network, cases: split.test, catalogs: split.catalogs)
        let test = tested.overall
        for (name, result) in tested.byCatalog {
            _ = progress(.note(String(format: "  test NDCG@10 %.4f (history masked) on catalog \(name)", result.masked["ndcg@10"] ?? 0)))
        }
        let nonEmbedding = network.layout.count - network.layout.embeddingCount
        var config = CheckpointConfig(
            name: (request.output as NSString).lastPathComponent, model: shape, training: trainer.options,
            parameters: .init(total: network.layout.count, nonEmbedding: nonEmbedding),
            dataset: dataset.name, datasetFingerprint: dataset.fingerprint(), split: "\(split.splitProtocol)", method: "pretrain",
            parent: nil, created: ISO8601DateFormatter().string(from: Date()), seenInteractions: trainer.seenInteractions,
            flops: trainer.flopsSpent,
            bestEpoch: trainer.bestEpoch, validationNDCG10: trainer.bestValidation)
        config.catalogs = dataset.catalogs.isEmpty ? nil : dataset.catalogs.map { .init(name: $0.name, fingerprint: $0.fingerprint) }
        if incomplete { config.complete = false }
        config.license = request.license
        config.usersSample = request.load.usersFraction.map { .init(fraction: $0, seed: request.load.usersSeed) }
        let evaluations = incomplete ? [] : test.evaluations(dataset: dataset.name, fingerprint: config.datasetFingerprint, split: split.splitProtocol)
        try Checkpoint.write(to: request.output, config: config, network: network, tokenizerPath: tokenizerPath,
                             dataset: dataset, history: trainer.history, evaluations: evaluations, fisher: fisher, resume: trainer)
        return TrainReport(checkpoint: request.output, parameters: network.layout.count, nonEmbeddingParameters: nonEmbedding,
                           bestEpoch: trainer.bestEpoch, epochs: trainer.history.count, seconds: Date().timeIntervalSince(started),
                           validationNDCG10: trainer.bestValidation, test: test)
    }

    /// Refuses, before any training, a loss this catalog cannot serve: full CE scores every item at
    /// every position (hours an epoch on a large union); a loss's own options must fit the catalog
    /// and each user's unseen items. `catalogs`: the item ranges negatives come from when each batch
    /// draws from its own catalog (empty: the whole union), so the smallest must fit the options
    /// and the largest bounds full CE.
    static func checkLoss(_ loss: LossKind, trainSequences: [[Int32]], items: Int, catalogs: [Range<Int>] = []) throws(TrainingError) {
        let largest = catalogs.map(\.count).max() ?? items
        if loss == .fullCrossEntropy && largest > fullCrossEntropyItemLimit {
            let scope = catalogs.isEmpty ? "all \(items) items" : "all \(largest) items of the largest catalog"
            throw .badOption("the full CE loss (ce) scores \(scope) at every position, hours per epoch at this size: use a sampled loss, e.g. --loss ssm:1000")
        }
        let pools = catalogs.isEmpty ? [0..<items] : catalogs
        let smallest = pools.map(\.count).min() ?? items
        let function = loss.function
        var fewestUnseen = smallest
        if function.negatives.avoidsSeenItems {
            for sequence in trainSequences {
                guard let first = sequence.first, let pool = pools.first(where: { $0.contains(Int(first)) }) else { continue }
                fewestUnseen = min(fewestUnseen, pool.count - Set(sequence).count)
            }
        }
        do { try function.check(items: smallest, fewestUnseen: fewestUnseen) } catch { throw .badOption("--loss \(error.message)") }
    }

    /// Above this many items `ce` is refused (a 100k-item softmax is ~4 GFLOP per target on srt-64x2's width).
    static let fullCrossEntropyItemLimit = 100_000

    /// A text model needs text in every catalog of a union: one without would be items told apart by nothing.
    static func checkEveryCatalogHasText(_ dataset: Dataset, fields: [String]) throws(TrainingError) {
        let columns = fields.compactMap { dataset.textFields.firstIndex(of: $0) }
        for part in dataset.catalogs {
            let hasText = part.items.contains { item in columns.contains { c in !(dataset.itemText[item].isEmpty || dataset.itemText[item][c].isEmpty) } }
            if !hasText {
                throw .badData("catalog \(part.name) has no item text in \(fields.joined(separator: ", ")): give its items a text file, or leave it out of a text model's corpus")
            }
        }
    }

    /// Rebuilds the network and trainer of an interrupted run and continues it.
    static func resumed(from folder: String, dataset: Dataset, split: DatasetSplit, request: TrainRequest,
                        progress: (TrainingEvent) -> TrainingControl) throws -> (Network, Trainer) {
        let fm = FileManager.default
        guard let stateData = fm.contents(atPath: folder + "/resume/state.json"),
              let weights = fm.contents(atPath: folder + "/resume/state.safetensors") else {
            throw TrainingError.badCheckpoint("\(folder) has nothing to resume (no resume/ folder): the run it holds finished")
        }
        let loaded = try Checkpoint.load(from: folder, maxBatch: 1)
        guard loaded.config.datasetFingerprint == dataset.fingerprint() else {
            throw TrainingError.badData("\(request.dataPath) is not the data \(folder) was trained on (fingerprint \(loaded.config.datasetFingerprint))")
        }
        let state = try JSONDecoder().decode(Trainer.ResumeState.self, from: stateData)
        let tensors = try Safetensors.decode(weights, path: folder + "/resume/state.safetensors").tensors
        guard let params = tensors["params"]?.values, let best = tensors["best"]?.values,
              let m = tensors["adam.m"]?.values, let v = tensors["adam.v"]?.values else {
            throw TrainingError.badCheckpoint("\(folder)/resume/state.safetensors lacks params, best, adam.m or adam.v")
        }
        let options = loaded.config.training
        let network = Network(shape: loaded.config.model, maxBatch: options.networkBatch)
        guard params.count == network.params.count, tensors["average"].map({ $0.values.count == params.count }) ?? true else {
            throw TrainingError.badCheckpoint("\(folder)/resume: wrong parameter count")
        }
        params.withUnsafeBufferPointer { network.params.pointer.update(from: $0.baseAddress!, count: params.count) }
        if let tokenizer = loaded.tokenizer {
            let e = loaded.config.model.itemEncoder
            network.setCatalog(try ItemTextEncoding.tokens(for: dataset.catalog, encoder: e, tokenizer: tokenizer))
        }
        let trainer = Trainer(network: network, split: split, options: options)
        _ = progress(.note("resuming \(folder) after epoch \(state.epoch) of \(options.epochs)"))
        trainer.run(resumingFrom: (state, best, m, v, tensors["average"]?.values), progress: progress)
        return (network, trainer)
    }
}
