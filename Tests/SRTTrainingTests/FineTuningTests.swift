import Foundation
import Testing
import SRTData
import SRTModel
import SRTTensor
@testable import SRTTraining

@Suite struct FineTuningTests {
    static func baseCheckpoint() throws -> String {
        var request = Synthetic.request(encoder: .text, epochs: 4)
        request.architecture.layers = 2
        return try TrainingRun.run(request) { _ in .proceed }.checkpoint
    }

    /// A catalog none of whose items the base saw: other ids, other words; same cycle pattern.
    static func newCatalog() -> String {
        let path = NSTemporaryDirectory() + "srthub-ft-" + UUID().uuidString + "/gadgets"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var inter = "user_id:token\titem_id:token\n"
        for u in 0..<60 { for t in 0..<(5 + u % 8) { inter += "u\(u)\tg\((u * 5 + t) % 25)\n" } }
        var items = "item_id:token\ttitle:token_seq\tcolor:token\n"
        for i in 0..<25 { items += "g\(i)\tgadget model \(i)\t\(["teal", "amber"][i % 2])\n" }
        try! inter.write(toFile: path + "/gadgets.inter", atomically: true, encoding: .utf8)
        try! items.write(toFile: path + "/gadgets.item", atomically: true, encoding: .utf8)
        return path
    }

    @Test func progressiveStagesTrainTheTopLayersFirst() {
        #expect(StagePlan.progressive.stages(layers: 2, epochsPerLayer: 3, finalEpochs: 5).map(\.topLayers) == [1, 2, nil])
        #expect(StagePlan("top:1") == .top(1) && StagePlan("top:0") == nil && StagePlan("bottom") == nil)
        let shape = ModelShape(architecture: Architecture(name: "t", layers: 2, heads: 2, hidden: 8, inner: 16, maxLength: 4),
                               itemEncoder: ItemEncoderConfig(kind: .text, fields: ["title"], maxPieces: [4], vocabularySize: 20, tokenEmbedding: 8), items: 5)
        let layout = ParameterLayout(shape)
        let top = layout.trainableNames(topLayers: 1, layers: 2)
        #expect(top.contains("layers.1.ffn.fc1.weight") && top.contains("item_encoder.adapter.weight") && top.contains("input_norm.bias"))
        #expect(!top.contains("layers.0.ffn.fc1.weight") && !top.contains("item_encoder.token_embedding.weight") && !top.contains("position_embedding.weight"))
        #expect(layout.trainableNames(topLayers: nil, layers: 2).count == layout.entries.count)
    }

    @Test func frozenParametersAreBitIdenticalAfterTheirStage() throws {
        let request = Synthetic.request(encoder: .text, epochs: 2)
        let dataset = try DatasetLoader.load(request.dataPath)
        let split = try dataset.split(.leaveOneOut)
        let loaded = try Checkpoint.load(from: try Self.baseCheckpoint(), scoring: dataset.catalog, maxBatch: 16)
        let network = loaded.network
        let before = network.params.array
        let names = network.layout.trainableNames(topLayers: 1, layers: 2)
        let fisher = [Float](repeating: 1e-3, count: before.count)
        var options = request.options
        options.epochs = 2
        let trainer = Trainer(network: network, split: split, options: options, trainable: network.layout.ranges(of: names),
                              ewc: ElasticWeightConsolidation(lambda: 100, fisher: fisher, anchor: before))
        trainer.startingValidation = -1  // keep the last best epoch even if it does not beat the base
        trainer.run { _ in .proceed }
        var changedTrainable = 0
        for entry in network.layout.entries {
            let same = (0..<entry.count).allSatisfy { network.params[entry.offset + $0].bitPattern == before[entry.offset + $0].bitPattern }
            if names.contains(entry.name) { if !same { changedTrainable += 1 } } else { #expect(same, "\(entry.name) moved while frozen") }
        }
        #expect(changedTrainable > 0)
        #expect(trainer.history.allSatisfy { ($0.penalty ?? -1) >= 0 })
    }

    @Test func ewcGradientMatchesFiniteDifferences() {
        var rng = RandomSource(seed: 5)
        let n = 40
        let anchor = (0..<n).map { _ in rng.nextGaussian() }
        let fisher = (0..<n).map { _ in abs(rng.nextGaussian()) }
        let ewc = ElasticWeightConsolidation(lambda: 100, fisher: fisher, anchor: anchor)
        var params = anchor.map { $0 + 0.1 * rng.nextGaussian() }
        var grads = [Float](repeating: 0, count: n)
        ewc.addGradient(params, into: &grads, ranges: [0..<n])
        for i in 0..<n {
            let h: Float = 1e-2
            params[i] += h
            let plus = ewc.penalty(params)
            params[i] -= 2 * h
            let minus = ewc.penalty(params)
            params[i] += h
            let numeric = (plus - minus) / Double(2 * h)
            #expect(abs(numeric - Double(grads[i])) <= 1e-3 * max(1, abs(numeric)), "parameter \(i): \(numeric) vs \(grads[i])")
        }
        // Only the given ranges get a gradient.
        var partial = [Float](repeating: 0, count: n)
        ewc.addGradient(params, into: &partial, ranges: [10..<20])
        #expect(partial[0] == 0 && partial[25] == 0 && partial[15] == grads[15])
    }

    @Test func fineTunesOntoACatalogOfUnseenItemsEndToEnd() throws {
        let base = try Self.baseCheckpoint()
        var request = FineTuneRequest(base: base, dataPath: Self.newCatalog(), output: NSTemporaryDirectory() + "srthub-ft-out-" + UUID().uuidString)
        request.epochsPerLayer = 2
        request.finalEpochs = 12
        request.options.learningRate = 1e-2
        request.options.batch = 16
        request.options.patience = 20
        var stages: [Int] = []
        let report = try FineTuneRun.run(request) { event in
            if case .stage(let number, _, _, _) = event { stages.append(number) }
            return .proceed
        }
        #expect(stages == [1, 2, 3])
        // The next item is the current one + 1 (mod 25): far above chance (HR@5 ≈ 0.2) after fine-tuning.
        #expect(report.test.masked["hr@5"]! > 0.5, "\(report.test.masked)")
        let config = try CheckpointConfig.read(report.checkpoint)
        #expect(config.fineTuning?.stages.count == 3 && config.fineTuning?.ewcLambda == 100)
        #expect(config.parent?.reference == nil && config.method.hasPrefix("finetune progressive, EWC λ=100"), "a local path is never lineage")
        #expect(config.dataset == "gadgets" && config.fineTuning?.baseDataset == "cycle")
        // best_epoch is the epoch whose weights were kept, counted over every stage (it once was the total).
        let log = try String(contentsOfFile: report.checkpoint + "/train_log.jsonl", encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(EpochSummary.self, from: Data($0.utf8)) }
        #expect(log.count == 16 && config.bestEpoch >= 1 && config.bestEpoch <= 16)
        #expect(config.validationNDCG10 == log[config.bestEpoch - 1].validationNDCG10 && config.validationNDCG10 == log.map(\.validationNDCG10).max(),
                "best epoch \(config.bestEpoch): \(log.map(\.validationNDCG10))")
        // Its baselines train with the base's recipe (4 epochs) but the fine-tune's budget (2 + 2 + 12).
        let scratch = BaselineRecipe(.scratch, base: config, datasetFingerprint: "f", split: "leave-one-out", epochs: nil)
        #expect(scratch.options.epochs == 16 && config.fineTuning?.baseTraining?.epochs == 4)
        for file in ["model.safetensors", "tokenizer.model", "fisher.safetensors", "items.tsv", "eval.json"] {
            #expect(FileManager.default.fileExists(atPath: report.checkpoint + "/" + file), "\(file)")
        }
    }

    @Test func fineTuningKeepsTheBasesTemperatureUnlessToldOtherwise() throws {
        var baseRequest = Synthetic.request(encoder: .text, epochs: 1)
        baseRequest.options.lossTemperature = 1.5
        let base = try TrainingRun.run(baseRequest) { _ in .proceed }.checkpoint
        func fineTunedTemperature(_ asked: Float?) throws -> Float? {
            var request = FineTuneRequest(base: base, dataPath: Self.newCatalog(), output: NSTemporaryDirectory() + "srthub-ft-out-" + UUID().uuidString)
            request.plan = .full
            request.finalEpochs = 1
            request.temperature = asked
            let report = try FineTuneRun.run(request) { _ in .proceed }
            let config = try CheckpointConfig.read(report.checkpoint)
            return config.training.temperature
        }
        #expect(try fineTunedTemperature(nil) == 1.5, "the base's temperature carries over")
        #expect(try fineTunedTemperature(1) == nil, "an explicit 1 is the default, recorded as absent")
        #expect(try fineTunedTemperature(0.5) == 0.5)
    }

    @Test func fineTuningKeepsTheBasesLabelSmoothingWhileItKeepsItsLoss() throws {
        var baseRequest = Synthetic.request(encoder: .text, epochs: 1)
        baseRequest.options.labelSmoothing = 0.2
        let base = try TrainingRun.run(baseRequest) { _ in .proceed }.checkpoint
        func fineTuned(_ asked: Float?, loss: LossKind? = nil) throws -> TrainingOptions {
            var request = FineTuneRequest(base: base, dataPath: Self.newCatalog(), output: NSTemporaryDirectory() + "srthub-ft-out-" + UUID().uuidString)
            request.plan = .full
            request.finalEpochs = 1
            request.labelSmoothing = asked
            request.loss = loss
            let report = try FineTuneRun.run(request) { _ in .proceed }
            return try CheckpointConfig.read(report.checkpoint).training
        }
        #expect(try fineTuned(nil).labelSmoothing == 0.2, "the base's label smoothing carries over")
        #expect(try fineTuned(0).labelSmoothing == nil, "0 turns it off")
        #expect(try fineTuned(0.05).labelSmoothing == 0.05)
        let sampled = try fineTuned(nil, loss: .sampledSoftmax(negatives: 5))
        #expect(sampled.labelSmoothing == nil && sampled.loss == .sampledSoftmax(negatives: 5), "another loss does not inherit it")
        #expect(throws: TrainingError.self, "asking for it with a loss that has none is refused") {
            try fineTuned(0.1, loss: .sasrecBCE)
        }
    }

    /// Baselines keep the base's schedule and budget; the ID SASRec ones drop its loss's options
    /// (a label-smoothed base once made `eval --baselines sasrec` refuse to train).
    @Test func sasrecBaselinesDropTheBasesLossOptions() throws {
        var request = Synthetic.request(encoder: .text, epochs: 1)
        request.options.labelSmoothing = 0.1
        request.options.lossTemperature = 2
        let checkpoint = try TrainingRun.run(request) { _ in .proceed }.checkpoint
        let base = try CheckpointConfig.read(checkpoint)
        for baseline in [Baseline.sasrec, .sasrecCE] {
            let recipe = BaselineRecipe(baseline, base: base, datasetFingerprint: "f", split: "leave-one-out", epochs: 5)
            #expect(recipe.options.labelSmoothing == nil && recipe.options.temperature == nil, "\(baseline)")
            #expect(recipe.options.learningRate == base.training.learningRate && recipe.options.epochs == 5)
            #expect(throws: Never.self) { try recipe.options.checkLabelSmoothing() }
        }
        let scratch = BaselineRecipe(.scratch, base: base, datasetFingerprint: "f", split: "leave-one-out", epochs: nil)
        #expect(scratch.options.labelSmoothing == 0.1 && scratch.options.temperature == 2, "scratch is the base's own recipe")
    }

    /// `--embedding-rms`: the base's token embeddings take the asked scale, each row keeps its
    /// direction, nothing else moves, and the result records it.
    @Test func rescalingTheTokenEmbeddingsKeepsTheirDirections() throws {
        let base = try Self.baseCheckpoint()
        let network = try Checkpoint.load(from: base, maxBatch: 16).network
        let name = ParameterLayout.tokenEmbeddingName
        let before = network.params.array
        let entry = network.layout[name]
        let old = network.rescale(name, toRMS: 0.02)
        let table = Array(network.params.array[entry.range])
        let rms = (table.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(table.count)).squareRoot()
        #expect(abs(rms - 0.02) < 1e-6 && old > 0.02, "old \(old), new \(rms)")
        for i in entry.range where before[i] != 0 { #expect(abs(network.params[i] / before[i] - 0.02 / old) < 1e-4) }
        for other in network.layout.entries where other.name != name {
            #expect(other.range.allSatisfy { network.params[$0] == before[$0] }, "\(other.name) moved")
        }
        var request = FineTuneRequest(base: base, dataPath: Self.newCatalog(), output: NSTemporaryDirectory() + "srthub-ft-out-" + UUID().uuidString)
        request.plan = .full
        request.finalEpochs = 1
        request.embeddingRMS = 0.01
        let (report, notes) = try FineTuneRun.runCollectingNotes(request)
        let config = try CheckpointConfig.read(report.checkpoint)
        #expect(config.fineTuning?.embeddingRMS == 0.01)
        #expect(notes.contains { $0.contains("token embeddings rescaled") && $0.contains("to 0.01") }, "\(notes)")
    }

    /// `--keep-base`: every tensor but the token table becomes keep·base + (1 − keep)·a fresh
    /// initialization (LayerNorm gains toward 1, biases toward 0), and the result records it.
    @Test func keepingPartOfTheBaseBlendsTowardAFreshInitialization() throws {
        let base = try Self.baseCheckpoint()
        let network = try Checkpoint.load(from: base, maxBatch: 16).network
        let before = network.params.array
        let fresh = Network(shape: network.shape, maxBatch: 1, seed: 7).params.array
        network.blendTowardInitialization(seed: 7) { $0 == ParameterLayout.tokenEmbeddingName ? 1 : 0.25 }
        for entry in network.layout.entries {
            for i in entry.range {
                let expected = entry.name == ParameterLayout.tokenEmbeddingName ? before[i] : 0.25 * before[i] + 0.75 * fresh[i]
                #expect(abs(network.params[i] - expected) <= 1e-6 * max(1, abs(expected)), "\(entry.name)[\(i - entry.offset)]")
            }
        }
        let gain = network.layout["input_norm.weight"].offset
        #expect(abs(network.params[gain] - (0.25 * before[gain] + 0.75)) < 1e-6, "a gain moves toward 1")
        var request = FineTuneRequest(base: base, dataPath: Self.newCatalog(), output: NSTemporaryDirectory() + "srthub-ft-out-" + UUID().uuidString)
        request.plan = .full
        request.finalEpochs = 1
        request.keepBase = 0.5
        let (report, notes) = try FineTuneRun.runCollectingNotes(request)
        #expect(try CheckpointConfig.read(report.checkpoint).fineTuning?.keepBase == 0.5)
        #expect(notes.contains { $0.contains("0.5·base + 0.5·fresh") }, "\(notes)")
    }

    /// `--keep-tokens 0`: a fresh token table (the fine-tune's own initialization) under the base's
    /// transformer. At learning rate 0 the checkpoint is the start itself, so both parts read back.
    @Test func keepTokensZeroStartsAFreshTokenTableUnderTheBasesTransformer() throws {
        let base = try Self.baseCheckpoint()
        let baseNetwork = try Checkpoint.load(from: base, maxBatch: 16).network
        var request = FineTuneRequest(base: base, dataPath: Self.newCatalog(), output: NSTemporaryDirectory() + "srthub-ft-out-" + UUID().uuidString)
        request.plan = .full
        request.finalEpochs = 1
        request.baseMixes = []
        request.keepTokens = 0
        request.options.learningRate = 0
        let (report, notes) = try FineTuneRun.runCollectingNotes(request)
        let tuned = try Checkpoint.load(from: report.checkpoint, maxBatch: 16).network
        let fresh = Network(shape: tuned.shape, maxBatch: 1, seed: request.options.seed)
        let token = tuned.layout[ParameterLayout.tokenEmbeddingName]
        #expect(token.range.allSatisfy { tuned.params[$0] == fresh.params[$0] }, "the token table is a fresh initialization")
        for name in ["layers.1.ffn.fc1.weight", "layers.0.attention.qkv.weight", "item_encoder.adapter.weight"] where tuned.layout.contains(name) {
            let (mine, theirs) = (tuned.layout[name], baseNetwork.layout[name])
            #expect((0..<mine.count).allSatisfy { tuned.params[mine.offset + $0] == baseNetwork.params[theirs.offset + $0] }, "\(name) is the base's")
        }
        #expect(try CheckpointConfig.read(report.checkpoint).fineTuning?.keepTokens == 0)
        #expect(notes.contains { $0.contains("token table starts at 0.0·base + 1.0·fresh") }, "\(notes)")
    }

    /// An ID model has no token table: `--keep-tokens` on one is refused before any training.
    @Test func keepTokensOnAnIDBaseIsRefused() throws {
        let base = try TrainingRun.run(Synthetic.request(encoder: .id, epochs: 1)) { _ in .proceed }.checkpoint
        var request = FineTuneRequest(base: base, dataPath: Self.newCatalog(), output: NSTemporaryDirectory() + "srthub-ft-out-" + UUID().uuidString)
        request.keepTokens = 0.5
        #expect { try FineTuneRun.runCollectingNotes(request) } throws: { "\($0)".contains("--keep-tokens") && "\($0)".contains("ID model") }
        #expect(!FileManager.default.fileExists(atPath: request.output))
    }

    /// WiSE-FT's mix: each tensor but the spared one is (1 − α)·start + α·tuned, the best α on
    /// validation is left in the network, and a mix that does not beat the fine-tune is not kept.
    @Test func baseMixKeepsTheBestMixOnValidationAndSparesTheTokenTable() throws {
        let shape = ModelShape(architecture: Architecture(name: "t", layers: 1, heads: 2, hidden: 8, inner: 16, maxLength: 4),
                               itemEncoder: ItemEncoderConfig(kind: .text, fields: ["title"], maxPieces: [4], vocabularySize: 20, tokenEmbedding: 8), items: 5)
        let network = Network(shape: shape, maxBatch: 1, seed: 3)
        let tuned = network.params.array
        let start = Network(shape: shape, maxBatch: 1, seed: 4).params.array
        let token = network.layout[ParameterLayout.tokenEmbeddingName].offset
        // A validation that peaks where the first non-token weight is 0.75 of the way from start to tuned.
        let probe = network.layout.entries.first { $0.name != ParameterLayout.tokenEmbeddingName }!.offset
        func score() -> Double { -abs(Double(network.params[probe] - (0.25 * start[probe] + 0.75 * tuned[probe]))) }
        let mix = BaseMix.choose(network: network, start: start, sparing: [ParameterLayout.tokenEmbeddingName], candidates: [0.9, 0.75, 0.5], validate: score)
        #expect(mix.alpha == 0.75 && mix.trials.map(\.alpha) == [1, 0.9, 0.75, 0.5])
        for entry in network.layout.entries {
            for i in entry.range {
                let expected = entry.name == ParameterLayout.tokenEmbeddingName ? tuned[i] : 0.25 * start[i] + 0.75 * tuned[i]
                #expect(abs(network.params[i] - expected) <= 1e-6 * max(1, abs(expected)), "\(entry.name)[\(i - entry.offset)]")
            }
        }
        #expect(network.params[token] == tuned[token])
        // Where the fine-tune itself scores best, or ties the best mix, it stays exactly as trained.
        network.params.pointer.update(from: tuned, count: tuned.count)
        let none = BaseMix.choose(network: network, start: start, sparing: [], candidates: [0.8, 0.6]) { 1 }
        #expect(none.alpha == 1 && none.validation == 1 && network.params.array == tuned)
    }

    /// `finetune` tries its mixes once training ends, says what it kept, and records every trial.
    @Test func fineTuneRecordsItsBaseMix() throws {
        let base = try Self.baseCheckpoint()
        var request = FineTuneRequest(base: base, dataPath: Self.newCatalog(), output: NSTemporaryDirectory() + "srthub-ft-out-" + UUID().uuidString)
        request.plan = .full
        request.finalEpochs = 2
        request.ewc = 0
        request.baseMixes = [0.8, 0.5]
        let (report, notes) = try FineTuneRun.runCollectingNotes(request)
        let config = try CheckpointConfig.read(report.checkpoint)
        let mix = try #require(config.fineTuning?.baseMix)
        #expect(mix.trials.map(\.alpha) == [1, 0.8, 0.5])
        #expect(mix.validation == mix.trials.map(\.validationNDCG10).max())
        #expect(abs(report.validationNDCG10 - mix.validation) < 1e-12 && abs(config.validationNDCG10 - mix.validation) < 1e-12)
        #expect(notes.contains { $0.hasPrefix("base mix: ") }, "\(notes)")
        // None asked: none tried, none recorded.
        request.baseMixes = []
        request.output += "-none"
        #expect(try CheckpointConfig.read(FineTuneRun.runCollectingNotes(request).0.checkpoint).fineTuning?.baseMix == nil)
    }

    /// Item k's title shares one word with item k − 1 and one with item k + 1, and every user walks
    /// k → k + 1: with the history masked, the TF-IDF neighbour left is the target, so the text
    /// baseline ranks every validation target first. A model behind it is told so.
    @Test func textBaselineScoresTheValidationCasesAndWarnsAModelBehindIt() throws {
        let path = NSTemporaryDirectory() + "srthub-text-" + UUID().uuidString + "/chain"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var inter = "user_id:token\titem_id:token\n"
        for u in 0..<30 { for t in 0..<6 { inter += "u\(u)\tc\((u + t) % 20)\n" } }
        let items = "item_id:token\ttitle:token_seq\n" + (0..<20).map { "c\($0)\tw\($0) w\(($0 + 1) % 20)\n" }.joined()
        try inter.write(toFile: path + "/chain.inter", atomically: true, encoding: .utf8)
        try items.write(toFile: path + "/chain.item", atomically: true, encoding: .utf8)
        let dataset = try DatasetLoader.load(path)
        let cases = CatalogEvaluation.validationCases(try dataset.split(.leaveOneOut), limit: nil)
        #expect(cases.count == 30)
        #expect(try TextBaselineCheck.validation(dataset, cases: cases) == 1)
        // Unmasked, the last item itself comes first and the previous one ties with the target, which
        // pessimistic ties put third: NDCG 1 / log2(4).
        let unmasked = try RankingEvaluation.evaluate(TextSimilarityScorer(itemText: dataset.itemText), cases: cases,
                                                      modes: [EvaluationMode(maskHistory: false)], ks: [10], popularity: [])
        #expect(abs(unmasked[0]["ndcg@10"]! - 0.5) < 1e-9)
        #expect(TextBaselineCheck.note(text: 1, model: 0.5, output: "runs/x", data: "shop").contains("--baselines text"))
        #expect(!TextBaselineCheck.note(text: 0.2, model: 0.5, output: "runs/x", data: "shop").contains("--baselines text"))
        // The command it suggests reads back in a shell whatever the paths hold.
        #expect(TextBaselineCheck.note(text: 1, model: 0.5, output: "my runs/it's", data: "shop").contains(#"srthub eval 'my runs/it'\''s' --data shop "#))
    }

    /// `--item-ids`: the fine-tune gains a table of the target's items, zero at the start, that trains
    /// from the first progressive stage (EWC's Fisher carried into the new layout, zero on it); the
    /// checkpoint scores a catalog with an item it never had by that item's text alone.
    @Test func fineTuningWithItemIDsAddsATableForTheTargetsItems() throws {
        let base = try Self.baseCheckpoint()
        let target = Self.newCatalog()
        var request = FineTuneRequest(base: base, dataPath: target, output: NSTemporaryDirectory() + "srthub-ft-ids-" + UUID().uuidString)
        request.itemIDs = true
        request.epochsPerLayer = 1
        request.finalEpochs = 2
        request.options.batch = 16
        let (report, notes) = try FineTuneRun.runCollectingNotes(request)
        #expect(notes.contains { $0.contains("item IDs: a table of 25 rows added to the text encoding, 0 carried from the base") }, "\(notes)")
        let config = try CheckpointConfig.read(report.checkpoint)
        #expect(config.model.itemEncoder.itemIDs == true && config.model.items == 25 && config.fineTuning?.ewcLambda == 100)
        #expect(config.formatVersion == 2, "an srthub that reads only version 1 refuses it instead of scoring it without its table")
        #expect(try CheckpointConfig.read(base).formatVersion == 1, "a model without a table stays readable by every srthub")
        // Its scratch baseline is the same model, table included; the text baseline has no table.
        #expect(BaselineRecipe(.scratch, base: config, datasetFingerprint: "f", split: "leave-one-out", epochs: nil).itemIDs == true)
        #expect(BaselineRecipe(.text, base: config, datasetFingerprint: "f", split: "leave-one-out", epochs: nil).itemIDs == nil)
        let loaded = try Checkpoint.load(from: report.checkpoint)
        let table = loaded.network.layout[ParameterLayout.itemEmbeddingName]
        #expect(table.shape == [25, 16])
        #expect(loaded.network.params.array[table.range].contains { $0 != 0 }, "the table trained")

        // Scoring a catalog with the items in another order and one new item: known items keep their vectors.
        let own = try ItemCatalog.read(path: report.checkpoint + "/items.tsv")
        loaded.network.setCatalog(try ItemTextEncoding.tokens(for: own, encoder: config.model.itemEncoder, tokenizer: loaded.tokenizer!))
        loaded.network.encodeItems()
        let ownVectors = loaded.network.itemVectors.array
        let reordered = ItemCatalog(ids: own.ids.reversed() + ["g-new"], fields: own.fields,
                                    text: own.text.reversed() + [own.text[own.ids.firstIndex(of: "g3")!]])
        let rebound = try Checkpoint.load(from: report.checkpoint, scoring: reordered, maxBatch: 8)
        rebound.network.encodeItems()
        let c = 16, vectors = rebound.network.itemVectors.array
        for (i, id) in reordered.ids.prefix(25).enumerated() {
            let j = own.ids.firstIndex(of: id)!
            #expect(zip(vectors[(i * c)..<(i * c + c)], ownVectors[(j * c)..<(j * c + c)]).allSatisfy { abs($0 - $1) < 1e-5 }, "\(id)")
        }
        // The new item has the text of g3 and no row of its own: its vector is g3's without g3's row.
        let g3 = own.ids.firstIndex(of: "g3")!, row = loaded.network.parameter(ParameterLayout.itemEmbeddingName) + g3 * c
        for k in 0..<c { #expect(abs(vectors[25 * c + k] - (ownVectors[g3 * c + k] - row[k])) < 1e-5) }

        // Fine-tuned again on the same catalog, the table comes along row by row; told --no-item-ids, it is left behind.
        var again = FineTuneRequest(base: report.checkpoint, dataPath: target, output: NSTemporaryDirectory() + "srthub-ft-ids2-" + UUID().uuidString)
        again.finalEpochs = 1
        again.plan = .full
        again.ewc = 0
        again.options.batch = 16
        let (second, againNotes) = try FineTuneRun.runCollectingNotes(again)
        #expect(againNotes.contains { $0.contains("a table of 25 rows added to the text encoding, 25 carried from the base") }, "\(againNotes)")
        #expect(try CheckpointConfig.read(second.checkpoint).model.itemEncoder.itemIDs == true)
        again.itemIDs = false
        again.output = NSTemporaryDirectory() + "srthub-ft-noids-" + UUID().uuidString
        let textOnly = try FineTuneRun.run(again) { _ in .proceed }
        let textConfig = try CheckpointConfig.read(textOnly.checkpoint)
        #expect(textConfig.model.itemEncoder.itemIDs == nil)
        #expect(!(try Checkpoint.load(from: textOnly.checkpoint)).network.layout.contains(ParameterLayout.itemEmbeddingName))
    }

    @Test func missingFisherPointsToTheFisherCommand() throws {
        let base = try Self.baseCheckpoint()
        try FileManager.default.removeItem(atPath: base + "/fisher.safetensors")
        let request = FineTuneRequest(base: base, dataPath: Self.newCatalog(), output: NSTemporaryDirectory() + "srthub-ft-" + UUID().uuidString)
        do {
            _ = try FineTuneRun.run(request) { _ in .proceed }
            Issue.record("fine-tuning with EWC and no Fisher was accepted")
        } catch {
            #expect("\(error)".contains("srthub fisher \(base) --data PRETRAIN-DATA"))
        }
        // `srthub fisher` computes it, and then fine-tuning proceeds.
        _ = try FisherRun.run(checkpoint: base, dataPath: Synthetic.folder(), load: LoadOptions(), splitProtocol: .leaveOneOut, maxBatches: 10)
        #expect(FileManager.default.fileExists(atPath: base + "/fisher.safetensors"))
    }
}
