import Foundation
import SRTData
import SRTModel
import SRTTokenizer

/// Everything `srthub finetune` needs, parsed.
public struct FineTuneRequest: Sendable {
    public var base: String
    /// The base's digest in any registry, and where it came from (`host/namespace/name@sha256:…`)
    /// when known: lineage, never a local path.
    public var baseDigest: String?
    public var baseReference: String?
    public var dataPath: String
    public var load = LoadOptions()
    public var splitProtocol: SplitProtocol = .leaveOneOut
    public var plan: StagePlan = .progressive
    public var epochsPerLayer = 10
    public var finalEpochs = 50
    /// EWC strength λ; 0 turns the penalty off.
    public var ewc: Float = 100
    /// The recipe of every stage (epochs are set per stage).
    public var options = TrainingOptions()
    /// The loss; nil: full CE where the catalog allows it (`TrainingRun.fullCrossEntropyItemLimit`), else the base's.
    public var loss: LossKind?
    /// The loss's temperature; nil: the base's.
    public var temperature: Float?
    /// Full CE's label smoothing (0: none); nil: the base's when the loss is the base's, else none.
    public var labelSmoothing: Float?
    /// Epochs of the start probe (`StartProbe`): the base's weights against fresh ones over the
    /// schedule's first epochs, the leader going on; 0 skips it, nil takes
    /// `StartProbe.defaultEpochs` for the catalog's size.
    public var probeEpochs: Int? = 0
    /// Root-mean-square the base's token embeddings are rescaled to before fine-tuning (directions
    /// kept); nil keeps the base's. Pretraining grows them far past a fresh model's scale (0.02),
    /// where Adam's steps barely move them and the new catalog's logits start far too large: the
    /// base's start then trails fresh weights (bench/RESULTS.md).
    public var embeddingRMS: Float?
    /// Fraction of the base's weights kept above the token table: each other tensor starts at
    /// keep·base + (1 − keep)·fresh initialization (`Network.blendTowardInitialization`); 1 keeps the base.
    public var keepBase: Float = 1
    /// Fraction of the base's token table kept (after `embeddingRMS`); each row starts at
    /// keep·base + (1 − keep)·fresh initialization: the base's rows make items with similar text
    /// similar from the first step, which the new catalog's data may have to undo. 1 keeps the base's.
    public var keepTokens: Float = 1
    /// The α of `BaseMix` tried once fine-tuning ends, each (1 − α)·start + α·fine-tuned, kept where
    /// it beats the fine-tune on validation; empty: none tried.
    public var baseMixes: [Float] = BaseMix.defaultCandidates
    /// The tokenizer the new catalog's text is encoded with: the base's, or one trained on it.
    public var vocabulary: FineTuneVocabulary = .target
    /// The license recorded in config.json; nil: the base's (a fine-tune is derived from it).
    public var license: String?
    /// Text bases: give the fine-tuned model an item table for the target's catalog, zero at the
    /// start, added to the text encoding (`ItemEncoderConfig.itemIDs`); the probe's fresh side gets
    /// one too. false: text only, and a base's own table (items of another catalog) is left behind.
    /// nil: a table for a text base (chosen on validation, bench/RESULTS.md), none for an ID base.
    public var itemIDs: Bool?
    /// `itemIDs` made definite for a text base: the user's choice, else a table.
    var textBaseItemIDs: Bool { itemIDs ?? true }
    /// Explicit text-field sources (`--map-field title=title+brand`); the rest follow `FieldMapping.infer`.
    public var fieldMap: [String: [String]] = [:]
    public var output: String
    /// Whether a checkpoint already in `output` may be replaced (`--force`).
    public var replacing = false

    public init(base: String, dataPath: String, output: String) {
        self.base = base
        self.dataPath = dataPath
        self.output = output
        options.learningRate = 1e-4
        options.batch = 128
    }
}

public enum FineTuneRun {
    public static func run(_ request: FineTuneRequest, progress: (TrainingEvent) -> TrainingControl) throws -> TrainReport {
        let started = Date()
        guard (request.output as NSString).standardizingPath != (request.base as NSString).standardizingPath else {
            throw TrainingError.badOption("--out must differ from the base checkpoint folder (the base is read while the result is written)")
        }
        try OutputFolder.check(request.output, replacing: request.replacing)
        let dataset = try DatasetLoader.load(request.dataPath, options: request.load)
        let split = try dataset.split(request.splitProtocol)
        guard !split.validation.isEmpty else { throw TrainingError.badData("\(request.dataPath): no user has enough items for validation") }
        var loaded = try Checkpoint.load(from: request.base, maxBatch: request.options.networkBatch)
        var request = request  // its item-table choice made definite for this base
        if loaded.tokenizer == nil {
            guard request.itemIDs != true else { throw TrainingError.badOption("--item-ids adds an item table to a text model's encoding; \(request.base) is an ID model, its items are its table already") }
            guard request.keepTokens == 1 else { throw TrainingError.badOption("--keep-tokens blends a text model's token table; \(request.base) is an ID model and has none (leave --keep-tokens out)") }
            request.itemIDs = false
        } else {
            request.itemIDs = request.textBaseItemIDs
        }
        let work = NSTemporaryDirectory() + "srthub-finetune-" + UUID().uuidString  // the target's tokenizer, while it is needed
        defer { try? FileManager.default.removeItem(atPath: work) }
        var network = loaded.network
        let baseLayout = network.layout
        var shape: ModelShape
        var mapping: FieldMapping?
        var tokenizerPath: String?
        var transfer: VocabularyTransfer?
        var fisherCarries: [([Float]) -> [Float]] = []  // the base's layout to the fine-tuned one, step by step
        if var tokenizer = loaded.tokenizer {
            let encoder = loaded.config.model.itemEncoder
            let fieldMapping = try FieldMapping.infer(fields: encoder.fields, catalog: dataset.catalog, explicit: request.fieldMap)
            shape = network.shape
            tokenizerPath = request.base + "/tokenizer.model"
            if request.vocabulary == .target {
                try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
                var columns: [String] = []
                for column in fieldMapping.sources.joined() where !columns.contains(column) { columns.append(column) }
                let path = try ItemTextEncoding.trainTokenizer(on: dataset, fields: columns, vocabularySize: encoder.vocabularySize, folder: work) {
                    _ = progress(.note($0))
                }
                let own = try SentencePieceTokenizer(modelPath: path)
                let carried = try VocabularyTransfer(from: tokenizer, to: own)
                shape.itemEncoder.vocabularySize = own.vocabularySize
                network = carried.network(from: network, shape: shape, maxBatch: request.options.networkBatch)
                _ = progress(.note("vocabulary: \(own.vocabularySize) pieces trained on this catalog's text; \(carried.matched) are the base's own, the rest start from the mean of the base's pieces for the same text"))
                (tokenizer, tokenizerPath, transfer) = (own, path, carried)
            }
            let itemIDs = request.itemIDs == true
            if itemIDs || encoder.hasItemTable {
                // A base's own table carries its rows to the same items; a text base's table starts at zero.
                var rows: [Int?]?  // nil: no table
                if itemIDs && encoder.hasItemTable {
                    rows = ItemTableCarry.rows(of: try ItemCatalog.read(path: request.base + "/items.tsv").ids, for: dataset.catalog.ids)
                } else if itemIDs {
                    rows = Array(repeating: nil, count: dataset.itemCount)
                }
                let table = ItemTableCarry(network: network, items: dataset.itemCount, rows: rows)
                if let transfer { fisherCarries.append({ transfer.carry($0, from: baseLayout, to: table.from) }) }
                fisherCarries.append(table.carry)
                network = table.network(maxBatch: request.options.networkBatch)
                shape = network.shape
                if itemIDs { _ = progress(.note("item IDs: a table of \(dataset.itemCount) rows added to the text encoding, \(table.carriedRows) carried from the base, the rest zero (--no-item-ids: text only)")) }
            } else if let transfer {
                fisherCarries.append({ transfer.carry($0, from: baseLayout, to: network.layout) })
            }
            network.setCatalog(try ItemTextEncoding.tokens(for: dataset.catalog, sources: fieldMapping.sources,
                                                           maxPieces: encoder.maxPieces, tokenizer: tokenizer))
            shape.itemEncoder.sources = fieldMapping.isIdentity ? nil : fieldMapping.sources
            mapping = fieldMapping
        } else {
            loaded = try Checkpoint.load(from: request.base, scoring: dataset.catalog, maxBatch: request.options.networkBatch)
            network = loaded.network
            shape = network.shape
        }
        let base = loaded.config
        if base.model.itemEncoder.kind == .id, network.shape.items != base.model.items {
            throw TrainingError.badData("an ID-based model can only be fine-tuned on its own catalog; fine-tune an SRT (text) model onto new items")
        }
        shape.items = dataset.itemCount
        let embeddingRMS = base.model.itemEncoder.kind == .text ? request.embeddingRMS : nil  // an ID model has no token table
        if let rms = embeddingRMS {
            let old = network.rescale(ParameterLayout.tokenEmbeddingName, toRMS: rms)
            _ = progress(.note("token embeddings rescaled from root-mean-square \(String(format: "%.3f", old)) to \(rms), directions kept (--embedding-rms)"))
        }
        if request.keepBase < 1 || request.keepTokens < 1 {
            network.blendTowardInitialization(seed: request.options.seed) {
                $0 == ParameterLayout.tokenEmbeddingName ? request.keepTokens : request.keepBase
            }
            if request.keepBase < 1 { _ = progress(.note("every tensor above the token table starts at \(request.keepBase)·base + \(1 - request.keepBase)·fresh initialization (--keep-base)")) }
            if request.keepTokens < 1 { _ = progress(.note("the token table starts at \(request.keepTokens)·base + \(1 - request.keepTokens)·fresh initialization (--keep-tokens)")) }
        }
        let anchor = network.params.array  // EWC holds the weights near the start actually fine-tuned
        var ewc: ElasticWeightConsolidation?
        if request.ewc > 0 {
            guard let data = FileManager.default.contents(atPath: request.base + "/fisher.safetensors") else {
                throw TrainingError.badCheckpoint("\(request.base) has no fisher.safetensors, which EWC needs: run `srthub fisher \(request.base) --data PRETRAIN-DATA` first (or pass --ewc 0)")
            }
            let tensors = try Safetensors.decode(data, path: request.base + "/fisher.safetensors").tensors
            var fisher = [Float](repeating: 0, count: baseLayout.count)
            for entry in baseLayout.entries {
                guard let t = tensors[entry.name], t.values.count == entry.count else {
                    throw TrainingError.badCheckpoint("\(request.base)/fisher.safetensors: no tensor \(entry.name) of \(entry.count) values (recompute it with srthub fisher)")
                }
                fisher.replaceSubrange(entry.range, with: t.values)
            }
            for carry in fisherCarries { fisher = carry(fisher) }
            ewc = ElasticWeightConsolidation(lambda: request.ewc, fisher: fisher, anchor: anchor)
        }
        _ = progress(.note("base \(request.baseReference ?? request.base): \(base.model.architecture.name) trained on \(base.dataset); fine-tuning onto \(dataset.name): \(dataset.itemCount) items, \(split.trainInteractions) training interactions"))
        if let mapping { _ = progress(.note("text fields (the base's ← this catalog's columns): \(mapping)")) }

        var options = request.options
        // Full CE where it fits: a base's sampled softmax is a stand-in for it on catalogs too large for it.
        options.loss = request.loss ?? (dataset.itemCount <= TrainingRun.fullCrossEntropyItemLimit ? .fullCrossEntropy : base.training.loss)
        // Like the loss, the temperature carries over: the base's logits were scaled for it.
        options.lossTemperature = request.temperature ?? base.training.lossTemperature
        options.lossLabelSmoothing = request.labelSmoothing ?? (options.loss == base.training.loss ? base.training.lossLabelSmoothing : 0)
        try options.checkLabelSmoothing()
        try TrainingRun.checkLoss(options.loss, trainSequences: split.train, items: dataset.itemCount)
        let validationCases = CatalogEvaluation.validationCases(split, limit: options.validationCases)
        func validate() -> Double { Evaluator.evaluate(network, cases: validationCases, ks: [10]).masked["ndcg@10"] ?? 0 }
        var validation = validate()
        _ = progress(.note("base model before fine-tuning: validation NDCG@10 \(String(format: "%.4f", validation))"))
        let textBaseline = try TextBaselineCheck.validation(dataset, cases: validationCases)
        let stages = request.plan.stages(layers: base.model.architecture.layers, epochsPerLayer: request.epochsPerLayer, finalEpochs: request.finalEpochs)
        var record = FineTuningRecord(base: request.baseReference ?? request.baseDigest ?? request.base, baseDigest: request.baseDigest, baseDataset: base.dataset,
                                      baseDatasetFingerprint: base.datasetFingerprint, plan: request.plan.description,
                                      ewcLambda: Double(request.ewc), stages: [], baseTraining: base.training)
        record.embeddingRMS = embeddingRMS
        record.keepBase = request.keepBase < 1 ? request.keepBase : nil
        record.keepTokens = request.keepTokens < 1 ? request.keepTokens : nil
        record.vocabulary = transfer == nil ? nil : FineTuneVocabulary.target.rawValue
        record.textBaselineValidationNDCG10 = textBaseline
        var interrupted = false
        let budget = stages.reduce(0) { $0 + $1.epochs }
        let raceEpochs = min(request.probeEpochs ?? StartProbe.defaultEpochs(trainingInteractions: split.trainInteractions), stages[0].epochs)
        var history: [EpochSummary] = []
        var bestEpoch = 0  // 0: no epoch beat the starting weights
        var seen = 0
        var flops = 0.0  // the stages' matrix products (StepAccounting); the probe's fresh side is not counted
        var last: Trainer?
        for (i, stage) in stages.enumerated() where !interrupted {
            var stageOptions = options
            stageOptions.epochs = stage.epochs
            stageOptions.seed = options.seed &+ UInt64(i)
            let names = network.layout.trainableNames(topLayers: stage.topLayers, layers: base.model.architecture.layers)
            // A fresh trainer per stage: its own Adam and one-cycle schedule, starting from the best weights so far.
            let trainer = Trainer(network: network, split: split, options: stageOptions, trainable: network.layout.ranges(of: names), ewc: ewc)
            trainer.startingValidation = validation
            _ = progress(.stage(number: i + 1, of: stages.count, description: stage.description, epochs: stage.epochs))
            var stopped = false
            let racing = i == 0 && raceEpochs > 0
            if racing {
                let why = request.probeEpochs == nil
                    ? " (the default for \(split.trainInteractions.formatted()) training interactions: \(StartProbe.defaultRule); --probe-epochs N to choose)" : ""
                _ = progress(.note("start probe: the base's weights train the first \(raceEpochs) epochs of this schedule, then fresh weights do, as srthub train would start them; the one ahead on validation goes on from there" + why))
                _ = progress(.run(label: "probe: the base, stage 1/\(stages.count)"))
            }
            trainer.run { event in
                let answer = progress(event)
                if answer == .stop { stopped = true; return .stop }
                if racing, case .epoch(let summary) = event, summary.epoch == raceEpochs { return .stop }  // the probe's pause
                return answer
            }
            if racing && !stopped {
                if let fresh = try freshStart(request, architecture: base.model.architecture, options: options, epochs: budget, raceEpochs: raceEpochs,
                                              license: request.license ?? base.license, progress: progress) {
                    let probe = StartProbe(baseValidation: trainer.bestValidation, freshValidation: fresh.validation, epochs: raceEpochs)
                    record.probe = .init(probe)
                    let scores = "best validation NDCG@10 in the first \(raceEpochs) epochs: \(String(format: "%.4f", probe.baseValidation)) from the base, \(String(format: "%.4f", probe.freshValidation)) from fresh weights"
                    if probe.baseWins {
                        _ = progress(.note("start probe: the base's start wins (\(scores)); its run goes on"))
                        try? FileManager.default.removeItem(atPath: fresh.folder)
                        if trainer.isResumable {
                            _ = progress(.run(label: "stage 1/\(stages.count)"))
                            trainer.proceed { event in
                                let answer = progress(event)
                                if answer == .stop { stopped = true }
                                return answer
                            }
                        }
                    } else {
                        // The base does not help here: the fresh run, which is `srthub train`'s own (this catalog's
                        // tokenizer included: fresh weights under the base's vocabulary trailed it on ml-100k's movies), goes on.
                        _ = progress(.note("start probe: the base's start LOSES on this catalog (\(scores)); the run from fresh weights goes on, as srthub train's: this catalog's own tokenizer, everything unfrozen, no EWC"))
                        return try finishFromScratch(request, fresh: fresh.folder, paused: fresh.report, architecture: base.model.architecture, options: options, epochs: budget,
                                                     license: request.license ?? base.license, record: record, started: started, progress: progress)
                    }
                } else {
                    stopped = true  // by the user, on the fresh side: the base's side is written as any stop leaves it
                }
            }
            validation = trainer.bestValidation
            if trainer.bestEpoch > 0 { bestEpoch = history.count + trainer.bestEpoch }  // counted over every stage
            history += trainer.history.map { epoch in
                var epoch = epoch
                epoch.stage = stage.description
                return epoch
            }
            seen += trainer.seenInteractions
            flops += trainer.flopsSpent
            record.stages.append(.init(stage: stage.description, epochs: trainer.history.count, bestEpoch: trainer.bestEpoch,
                                       validationNDCG10: trainer.bestValidation))
            last = trainer
            if stopped { interrupted = true; break }
        }
        if !interrupted && !request.baseMixes.isEmpty {
            let mix = BaseMix.choose(network: network, start: anchor, sparing: [ParameterLayout.tokenEmbeddingName],
                                     candidates: request.baseMixes, validate: validate)
            let tried = mix.trials.map { "\(formatted($0.alpha)) \(String(format: "%.4f", $0.validationNDCG10))" }.joined(separator: ", ")
            _ = progress(.note(mix.alpha < 1
                ? "base mix: kept α \(formatted(mix.alpha)), α·fine-tuned + (1 − α)·start for every tensor but the token table (validation NDCG@10 by α: \(tried))"
                : "base mix: none beat the fine-tune on validation (by α: \(tried)); kept as trained"))
            record.baseMix = mix
            validation = mix.validation
        }
        // Interrupted during the probe: the base's weights are in place, written as they are.
        let trainer = last ?? Trainer(network: network, split: split, options: options)
        options.epochs = stages.reduce(0) { $0 + $1.epochs }  // the whole schedule, for the record
        // Stopped before its end: written at once, without the Fisher and test passes.
        var fisher: [Float]?
        if !interrupted {
            _ = progress(.note("computing the diagonal Fisher information on the new data (for the next fine-tune)"))
            fisher = trainer.fisher()
        }
        let test = interrupted ? Evaluator.Result.empty : Evaluator.evaluate(network, cases: split.test, ks: [1, 5, 10])
        let nonEmbedding = network.layout.count - network.layout.embeddingCount
        let method = "finetune \(request.plan)" + (request.ewc > 0 ? ", EWC λ=\(formatted(request.ewc))" : ", no EWC")
        var config = CheckpointConfig(
            name: (request.output as NSString).lastPathComponent, model: shape, training: options,
            parameters: .init(total: network.layout.count, nonEmbedding: nonEmbedding),
            dataset: dataset.name, datasetFingerprint: dataset.fingerprint(), split: "\(split.splitProtocol)", method: method,
            parent: .init(digest: request.baseDigest, reference: request.baseReference),
            created: ISO8601DateFormatter().string(from: Date()), seenInteractions: base.seenInteractions + seen,
            flops: base.flops + flops,
            bestEpoch: bestEpoch, validationNDCG10: validation)
        config.fineTuning = record
        config.license = request.license ?? base.license
        if interrupted { config.complete = false }
        let evaluations = interrupted ? [] : test.evaluations(dataset: dataset.name, fingerprint: config.datasetFingerprint, split: split.splitProtocol)
        try Checkpoint.write(to: request.output, config: config, network: network,
                             tokenizerPath: tokenizerPath,
                             dataset: dataset, history: history, evaluations: evaluations, fisher: fisher)
        if !interrupted { _ = progress(.note(TextBaselineCheck.note(text: textBaseline, model: validation, output: request.output, data: request.dataPath))) }
        return TrainReport(checkpoint: request.output, parameters: network.layout.count, nonEmbeddingParameters: nonEmbedding,
                           bestEpoch: bestEpoch, epochs: history.count, seconds: Date().timeIntervalSince(started),
                           validationNDCG10: validation, test: test, textBaselineValidationNDCG10: textBaseline)
    }

    static func formatted(_ x: Float) -> String { x == x.rounded() ? String(Int(x)) : String(x) }

    /// The fresh side of the start probe: the base's architecture trained on the target alone, as
    /// `srthub train` would with `finetune`'s recipe and the plan's whole budget, paused after
    /// `raceEpochs` epochs in a folder beside --out (resumable); nil when the user stopped it.
    static func freshStart(_ request: FineTuneRequest, architecture: Architecture, options: TrainingOptions, epochs: Int, raceEpochs: Int,
                           license: String?, progress: (TrainingEvent) -> TrainingControl) throws -> (folder: String, validation: Double, report: TrainReport)? {
        let folder = request.output + ".fresh-start-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: folder)
        _ = progress(.run(label: "probe: fresh weights"))
        var stopped = false
        let report = try TrainingRun.run(scratchRequest(request, architecture: architecture, options: options, epochs: epochs, license: license, output: folder)) { event in
            let answer = progress(event)
            if answer == .stop { stopped = true; return .stop }
            if case .epoch(let summary) = event, summary.epoch == raceEpochs { return .stop }
            return answer
        }
        if stopped { try? FileManager.default.removeItem(atPath: folder); return nil }
        return (folder, report.validationNDCG10, report)
    }

    static func scratchRequest(_ request: FineTuneRequest, architecture: Architecture, options: TrainingOptions, epochs: Int, license: String?,
                               output: String) -> TrainRequest {
        var train = TrainRequest(dataPath: request.dataPath, architecture: architecture, output: output)
        train.itemIDs = request.textBaseItemIDs  // run made it false for an ID base
        train.load = request.load
        train.splitProtocol = request.splitProtocol
        train.options = options
        train.options.epochs = epochs
        train.replacing = request.replacing
        train.license = license
        return train
    }

    /// Where the base loses the start probe: the fresh run goes on from its pause to the end of its
    /// budget, exactly as an uninterrupted `srthub train` run; its config says why and names the base
    /// it did not use (no parent: none of its weights came from it).
    static func finishFromScratch(_ request: FineTuneRequest, fresh: String, paused: TrainReport, architecture: Architecture, options: TrainingOptions, epochs: Int,
                                  license: String?, record: FineTuningRecord, started: Date, progress: (TrainingEvent) -> TrainingControl) throws -> TrainReport {
        defer { try? FileManager.default.removeItem(atPath: fresh) }
        var train = scratchRequest(request, architecture: architecture, options: options, epochs: epochs, license: license, output: request.output)
        let report: TrainReport
        if FileManager.default.fileExists(atPath: fresh + "/resume") {
            _ = progress(.run(label: "from scratch"))
            train.resume = fresh
            report = try TrainingRun.run(train, progress: progress)
        } else {  // it ended within the probe (early stopping, divergence): complete as it is, its test pass included
            try OutputFolder.check(request.output, replacing: request.replacing)
            try AtomicFolder.replace(request.output, with: fresh)
            report = TrainReport(checkpoint: request.output, parameters: paused.parameters, nonEmbeddingParameters: paused.nonEmbeddingParameters,
                                 bestEpoch: paused.bestEpoch, epochs: paused.epochs, seconds: paused.seconds,
                                 validationNDCG10: paused.validationNDCG10, test: paused.test)
        }
        let path = request.output + "/config.json"
        var config = try JSONDecoder().decode(CheckpointConfig.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        config.method = "finetune: from scratch (the base lost the start probe)"
        config.fineTuning = record
        try Checkpoint.configEncoder.encode(config).write(to: URL(fileURLWithPath: path), options: .atomic)
        if let text = record.textBaselineValidationNDCG10, config.complete != false {
            _ = progress(.note(TextBaselineCheck.note(text: text, model: report.validationNDCG10, output: request.output, data: request.dataPath)))
        }
        var result = report
        result.seconds = Date().timeIntervalSince(started)  // the whole command's, the base's probe epochs included
        result.textBaselineValidationNDCG10 = record.textBaselineValidationNDCG10
        result.baseLostProbe = true
        return result
    }
}
