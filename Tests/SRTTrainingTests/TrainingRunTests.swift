import Foundation
import Testing
import SRTData
import SRTModel
import SRTTensor
@testable import SRTTraining

/// Synthetic data with a pattern to learn: items form a cycle, each user walks it from a random
/// start, so the next item is always the current one + 1 (mod 40). Lengths vary (5–14) so that
/// every position up to the maximum length is seen in training, as in real data.
enum Synthetic {
    static let items = 40
    static func folder(users: Int = 80) -> String {
        let path = NSTemporaryDirectory() + "srthub-train-" + UUID().uuidString + "/cycle"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var inter = "user_id:token\titem_id:token\n"
        for u in 0..<users {
            let start = (u * 7) % items
            for t in 0..<(5 + u % 10) { inter += "u\(u)\ti\((start + t) % items)\n" }
        }
        var item = "item_id:token\ttitle:token_seq\tcolor:token\n"
        let colors = ["red", "green", "blue"]
        for i in 0..<items { item += "i\(i)\tthing number \(i)\t\(colors[i % 3])\n" }
        try! inter.write(toFile: path + "/cycle.inter", atomically: true, encoding: .utf8)
        try! item.write(toFile: path + "/cycle.item", atomically: true, encoding: .utf8)
        return path
    }

    static func request(encoder: ItemEncoderConfig.Kind, loss: LossKind = .fullCrossEntropy, epochs: Int = 30, seed: UInt64 = 7) -> TrainRequest {
        let arch = Architecture(name: "tiny", layers: 1, heads: 2, hidden: 16, inner: 32, maxLength: 8, hiddenDropout: 0.1, attentionDropout: 0.1)
        var r = TrainRequest(dataPath: folder(), architecture: arch,
                             output: NSTemporaryDirectory() + "srthub-ck-" + UUID().uuidString)
        r.encoder = encoder
        r.vocabularySize = 60
        r.options.loss = loss
        r.options.epochs = epochs
        r.options.batch = 16
        r.options.learningRate = 1e-2
        r.options.patience = epochs
        r.options.seed = seed
        return r
    }
}

@Suite struct TrainingRunTests {
    /// Per loss, a metric (history masked) and a bar far above chance (HR@1 ≈ 0.04, HR@5 ≈ 0.2 at
    /// random). Sampled softmax with 6 negatives learns the cycle less sharply than full CE.
    struct Case: Sendable, CustomTestStringConvertible {
        let encoder: ItemEncoderConfig.Kind
        let loss: LossKind
        let metric: String
        let bar: Double
        var testDescription: String { "\(encoder) \(loss)" }
    }

    @Test(arguments: [Case(encoder: .text, loss: .fullCrossEntropy, metric: "hr@1", bar: 0.9),
                      Case(encoder: .id, loss: .fullCrossEntropy, metric: "hr@1", bar: 0.9),
                      Case(encoder: .text, loss: .sampledSoftmax(negatives: 6), metric: "hr@5", bar: 0.75),
                      Case(encoder: .id, loss: .sasrecBCE, metric: "hr@1", bar: 0.9),
                      Case(encoder: .id, loss: .binaryCrossEntropy(negatives: 4), metric: "hr@5", bar: 0.75),
                      Case(encoder: .id, loss: .generalizedBinaryCrossEntropy(negatives: 16, t: 0.75), metric: "hr@5", bar: 0.75),
                      Case(encoder: .id, loss: .binaryCrossEntropy(negatives: 16), metric: "hr@5", bar: 0.75),
                      Case(encoder: .text, loss: .negativeCrossEntropy(negatives: 8), metric: "hr@5", bar: 0.75),
                      Case(encoder: .text, loss: .reducedCrossEntropy(RECEOptions()), metric: "hr@1", bar: 0.9)])
    func learnsTheCycle(_ c: Case) throws {
        var events: [EpochSummary] = []
        let report = try TrainingRun.run(Synthetic.request(encoder: c.encoder, loss: c.loss)) { event in
            if case .epoch(let e) = event { events.append(e) }
            return .proceed
        }
        #expect(report.test.masked[c.metric]! > c.bar, "\(report.test.masked)")
        #expect(events.last!.trainLoss < events.first!.trainLoss)
        for file in ["config.json", "model.safetensors", "fisher.safetensors", "items.tsv", "train_log.jsonl", "eval.json"] {
            #expect(FileManager.default.fileExists(atPath: report.checkpoint + "/" + file), "\(file)")
        }
        #expect(FileManager.default.fileExists(atPath: report.checkpoint + "/tokenizer.model") == (c.encoder == .text))
    }

    /// A spent time budget ends the run after that epoch as a complete run: tested, not resumable.
    @Test func aTimeBudgetEndsTrainingAsComplete() throws {
        var request = Synthetic.request(encoder: .id, epochs: 20)
        request.options.maxSeconds = 1e-6
        var notes: [String] = []
        let report = try TrainingRun.run(request) { event in
            if case .note(let n) = event { notes.append(n) }
            return .proceed
        }
        #expect(report.epochs == 1)
        #expect(notes.contains { $0.contains("time budget") && $0.contains("after epoch 1") }, "\(notes)")
        #expect(report.test.masked["ndcg@10"] != nil && !FileManager.default.fileExists(atPath: report.checkpoint + "/resume"))
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report.checkpoint + "/config.json"))) as! [String: Any]
        #expect(config["complete"] == nil, "a budgeted run is complete")
    }

    /// With 2 threads each batch is split across two workers (ShardedGradients): still reproducible.
    @Test(arguments: [1, 2])
    func sameSeedGivesTheSameWeights(threads: Int) throws {
        var request = Synthetic.request(encoder: .text, epochs: 3, seed: 11)
        request.options.threads = threads
        let a = try TrainingRun.run(request) { _ in .proceed }
        request.output = NSTemporaryDirectory() + "srthub-ck-" + UUID().uuidString
        let b = try TrainingRun.run(request) { _ in .proceed }
        let wa = FileManager.default.contents(atPath: a.checkpoint + "/model.safetensors")
        let wb = FileManager.default.contents(atPath: b.checkpoint + "/model.safetensors")
        #expect(wa != nil && wa == wb)
    }

    /// A learning rate that blows the weights up: the loss turns non-finite within the first epoch,
    /// training stops with a message, and the checkpoint holds the last good (here: starting) weights.
    @Test func aNonFiniteLossStopsTrainingAndKeepsTheLastGoodWeights() throws {
        var request = Synthetic.request(encoder: .text, epochs: 3)
        request.options.learningRate = 1e30
        var notes: [String] = [], epochs = 0
        let report = try TrainingRun.run(request) { event in
            if case .note(let text) = event { notes.append(text) }
            if case .epoch = event { epochs += 1 }
            return .proceed
        }
        #expect(notes.contains { $0.contains("the training loss became") && $0.contains("keeps its best weights") }, "\(notes)")
        #expect(epochs == 0, "no epoch with a non-finite loss is validated or selected")
        let weights = try Safetensors.decode(Data(contentsOf: URL(fileURLWithPath: report.checkpoint + "/model.safetensors"))).tensors
        #expect(weights.values.allSatisfy { $0.values.allSatisfy(\.isFinite) }, "the written weights are finite")
        #expect(!FileManager.default.fileExists(atPath: report.checkpoint + "/resume"), "resuming would only diverge again")
    }

    /// `--select unmasked`: the best epoch is the one with the best unmasked validation NDCG@10.
    @Test func selectionFollowsTheChosenValidationMetric() throws {
        var request = Synthetic.request(encoder: .id, epochs: 8)
        request.options.selection = "unmasked"
        var epochs: [EpochSummary] = []
        _ = try TrainingRun.run(request) { event in
            if case .epoch(let e) = event { epochs.append(e) }
            return .proceed
        }
        var best = -1.0
        for e in epochs {
            let unmasked = try #require(e.validationUnmaskedNDCG10)
            #expect(e.best == (unmasked > best), "epoch \(e.epoch)")
            best = max(best, unmasked)
        }
        #expect(TrainingOptions().selectionScore(masked: 0.3, unmasked: 0.1) == 0.3)
        var mean = TrainingOptions()
        mean.selection = "mean"
        #expect(abs(mean.selectionScore(masked: 0.3, unmasked: 0.1) - 0.2) < 1e-12)
    }

    /// With a zero learning rate nothing improves after epoch 1; patience 1 still waits for the end
    /// of the one-cycle warm-up (3 of 10 epochs), so the run stops after epoch 4, not 2.
    @Test func earlyStoppingWaitsForTheWarmUp() throws {
        var request = Synthetic.request(encoder: .id, epochs: 10)
        request.options.patience = 1
        request.options.learningRate = 0
        var epochs = 0
        _ = try TrainingRun.run(request) { event in
            if case .epoch = event { epochs += 1 }
            return .proceed
        }
        #expect(epochs == 4)
        request.options.schedule = "constant"  // no warm-up: stops as soon as patience runs out
        request.output = NSTemporaryDirectory() + "srthub-ck-" + UUID().uuidString
        epochs = 0
        _ = try TrainingRun.run(request) { event in
            if case .epoch = event { epochs += 1 }
            return .proceed
        }
        #expect(epochs == 2)
    }

    @Test func twoWorkersLearnTheCycle() throws {
        var request = Synthetic.request(encoder: .id)
        request.options.threads = 2
        let report = try TrainingRun.run(request) { _ in .proceed }
        #expect(report.test.masked["hr@1"]! > 0.9, "\(report.test.masked)")  // as with one worker
    }

    @Test func stopRequestKeepsTheBestWeightsSoFar() throws {
        var epochs = 0
        let report = try TrainingRun.run(Synthetic.request(encoder: .id, epochs: 50)) { event in
            if case .epoch = event { epochs += 1; return epochs == 2 ? .stop : .proceed }
            return .proceed
        }
        #expect(report.epochs == 2)
        #expect(FileManager.default.fileExists(atPath: report.checkpoint + "/model.safetensors"))
    }

    /// With weight averaging the average is part of the state a resume must restore.
    @Test(arguments: [(ItemEncoderConfig.Kind.text, nil), (.id, nil), (.id, 2.0)] as [(ItemEncoderConfig.Kind, Double?)])
    func stoppedAndResumedRunEqualsAnUninterruptedOne(_ encoder: ItemEncoderConfig.Kind, averageEpochs: Double?) throws {
        var request = Synthetic.request(encoder: encoder, loss: encoder == .text ? .sampledSoftmax(negatives: 6) : .fullCrossEntropy, epochs: 6, seed: 3)
        request.options.averageEpochs = averageEpochs
        let whole = try TrainingRun.run(request) { _ in .proceed }

        request.output = NSTemporaryDirectory() + "srthub-ck-" + UUID().uuidString
        var epochs = 0
        let stopped = try TrainingRun.run(request) { event in
            if case .epoch = event { epochs += 1; return epochs == 3 ? .stop : .proceed }
            return .proceed
        }
        #expect(stopped.epochs == 3)
        #expect(FileManager.default.fileExists(atPath: stopped.checkpoint + "/resume/state.json"))

        let resumed = try resume(stopped, of: request)
        #expect(resumed.epochs == 6)
        #expect(FileManager.default.contents(atPath: resumed.checkpoint + "/model.safetensors")
                == FileManager.default.contents(atPath: whole.checkpoint + "/model.safetensors"))
        #expect(!FileManager.default.fileExists(atPath: resumed.checkpoint + "/resume"))  // finished: nothing left to resume
        // Every epoch's validation figures too (with averaging they are the average's, which the
        // final weights need not show when an early epoch was the best).
        #expect(try validationFigures(resumed.checkpoint) == validationFigures(whole.checkpoint))
    }

    /// Stopped in the middle of an epoch (after its second step), the run resumes from the end of the
    /// last whole epoch and still ends bit-identical to an uninterrupted one (only a stop at an epoch
    /// boundary was proven).
    @Test func stoppedMidEpochAndResumedRunEqualsAnUninterruptedOne() throws {
        var request = Synthetic.request(encoder: .text, loss: .sampledSoftmax(negatives: 6), epochs: 6, seed: 5)
        request.options.batch = 8  // several steps an epoch
        let whole = try TrainingRun.run(request) { _ in .proceed }

        request.output = NSTemporaryDirectory() + "srthub-ck-" + UUID().uuidString
        var stoppedAt: (epoch: Int, step: Int, steps: Int)?
        let stopped = try TrainingRun.run(request) { event in
            if case .step(let epoch, let step, let steps, _, _) = event, epoch == 3, step == 2 { stoppedAt = (epoch, step, steps); return .stop }
            return .proceed
        }
        let at = try #require(stoppedAt)
        #expect(at.steps > 2, "the stop lands inside the epoch")
        #expect(stopped.epochs == 2, "the half-done epoch is not recorded")
        let config = try CheckpointConfig.read(stopped.checkpoint)
        #expect(config.complete == false)

        let resumed = try resume(stopped, of: request)
        #expect(resumed.epochs == 6)
        #expect(FileManager.default.contents(atPath: resumed.checkpoint + "/model.safetensors")
                == FileManager.default.contents(atPath: whole.checkpoint + "/model.safetensors"))
        #expect(try validationFigures(resumed.checkpoint) == validationFigures(whole.checkpoint))
    }

    /// Resumes a stopped run of `request`'s data; the recipe comes from the checkpoint (flags are ignored on resume).
    func resume(_ stopped: TrainReport, of request: TrainRequest) throws -> TrainReport {
        var again = Synthetic.request(encoder: request.encoder, epochs: 1)
        again.dataPaths = request.dataPaths
        again.output = stopped.checkpoint
        again.resume = stopped.checkpoint
        return try TrainingRun.run(again) { _ in .proceed }
    }

    func validationFigures(_ checkpoint: String) throws -> [[Double]] {
        let log = try String(contentsOfFile: checkpoint + "/train_log.jsonl", encoding: .utf8)
        return try log.split(separator: "\n").map { line in
            let epoch = try JSONDecoder().decode(EpochSummary.self, from: Data(line.utf8))
            return [epoch.trainLoss, epoch.validationNDCG10, epoch.validationUnmaskedNDCG10 ?? -1]
        }
    }

    @Test func resumingAFinishedRunOrOtherDataIsRefused() throws {
        let report = try TrainingRun.run(Synthetic.request(encoder: .id, epochs: 2)) { _ in .proceed }
        var again = Synthetic.request(encoder: .id, epochs: 2)
        again.resume = report.checkpoint
        again.output = report.checkpoint
        #expect { try TrainingRun.run(again) { _ in .proceed } } throws: { "\($0)".contains("nothing to resume") }
    }

    @Test func checkpointRecommendsAndEncodesUnseenItems() throws {
        let report = try TrainingRun.run(Synthetic.request(encoder: .text)) { _ in .proceed }
        let recommender = try Recommender(checkpoint: report.checkpoint)
        let top = try recommender.recommend(histories: [["i3", "i4", "i5"]], k: 3)[0]
        #expect(top.first?.id == "i6")
        #expect(!top.contains { ["i3", "i4", "i5"].contains($0.id) })
        #expect(top.first?.title == "thing number 6")
        #expect(throws: TrainingError.self) { try recommender.recommend(histories: [["nope"]], k: 3) }

        // A catalog with items the model never saw: a text model encodes them from their text.
        let bigger = ItemCatalog(ids: recommender.catalog.ids + ["new1"], fields: recommender.catalog.fields,
                                 text: recommender.catalog.text + [["thing number 99", "red"]])
        let withNew = try Recommender(checkpoint: report.checkpoint, catalog: bigger)
        #expect(withNew.checkpoint.network.items == 41)
        #expect(try withNew.recommend(histories: [["new1"]], k: 3)[0].count == 3)
    }

    @Test func idModelRefusesUnknownItemsWithACount() throws {
        let report = try TrainingRun.run(Synthetic.request(encoder: .id, epochs: 2)) { _ in .proceed }
        let own = try ItemCatalog.read(path: report.checkpoint + "/items.tsv")
        let bigger = ItemCatalog(ids: own.ids + ["x1", "x2"], fields: own.fields, text: own.text + [["a", "b"], ["c", "d"]])
        #expect {
            try Recommender(checkpoint: report.checkpoint, catalog: bigger)
        } throws: { error in
            "\(error)".contains("2 of 42 items are unknown")
        }
    }

    @Test func averagedRunValidatesAndKeepsTheAverageNotTheRawWeights() throws {
        var request = Synthetic.request(encoder: .id, epochs: 1)
        request.options.averageEpochs = 100  // longer than the run: the plain mean of every step's weights
        let dataset = try DatasetLoader.load(request.dataPath)
        let split = try dataset.split(.leaveOneOut)
        let network = Network(shape: ModelShape(architecture: request.architecture, itemEncoder: ItemEncoderConfig(kind: .id), items: dataset.itemCount),
                              maxBatch: request.options.batch)
        let trainer = Trainer(network: network, split: split, options: request.options)
        var steps: [[Float]] = []
        var validated: [Double] = []
        trainer.run { event in
            if case .step = event { steps.append(trainer.network.params.array) }
            if case .epoch(let summary) = event { validated.append(summary.validationNDCG10) }
            return .proceed
        }
        #expect(steps.count == trainer.stepsPerEpoch && steps.count > 1)
        let mean = (0..<network.params.count).map { i in steps.reduce(0) { $0 + Double($1[i]) } / Double(steps.count) }
        let kept = network.params.array  // the only epoch is the best one
        #expect(zip(kept, mean).allSatisfy { abs(Double($0) - $1) <= 1e-5 * max(1, abs($1)) })
        #expect(kept != steps.last!, "the raw weights of the last step were kept")
        // Validation scored the average: evaluating the kept weights gives the logged figure.
        let validation = Evaluator.evaluate(network, cases: split.validation, ks: [10]).masked["ndcg@10"]!
        #expect(abs(validation - validated[0]) < 1e-9)
    }

    @Test func fisherIsTheMeanSquaredBatchGradient() throws {
        // One batch holding every window: the Fisher is then exactly that batch's squared gradient.
        var request = Synthetic.request(encoder: .id, epochs: 1)
        request.options.batch = 1000
        let dataset = try DatasetLoader.load(request.dataPath)
        let split = try dataset.split(.leaveOneOut)
        let network = Network(shape: ModelShape(architecture: request.architecture, itemEncoder: ItemEncoderConfig(kind: .id), items: dataset.itemCount), maxBatch: 1000)
        let trainer = Trainer(network: network, split: split, options: request.options)
        let fisher = trainer.fisher()
        #expect(fisher.count == network.params.count)
        #expect(fisher.allSatisfy { $0 >= 0 } && fisher.contains { $0 > 0 })
        // Recompute the batch gradient directly and compare.
        var rows = ScoredRows()
        let T = request.architecture.maxLength
        var sequences = [Int32](repeating: -1, count: 1000 * T)
        var order = Array(trainer.windows.indices)
        var rng = RandomSource(seed: request.options.seed &+ 1)
        order.shuffle(using: &rng)
        for (b, w) in order.enumerated() {
            let items = Array(trainer.windows[w].items)
            for t in 0..<(items.count - 1) {
                sequences[b * T + t] = items[t]
                if t + 1 >= trainer.windows[w].firstTarget { rows.rows.append(Int32(b * T + t)); rows.targets.append(items[t + 1]) }
            }
        }
        network.zeroGradients()
        network.encodeItems()
        network.forward(sequences, batch: 1000, training: false, rng: &rng)
        network.hiddenGradient.zero()
        _ = Loss.compute(.fullCrossEntropy, network: network, rows: rows, workspace: LossWorkspace(maxRows: 1000 * T, hidden: 16))
        network.backward()
        network.encodeItemsBackward()
        let expected = network.grads.array.map { $0 * $0 }

        let error = zip(fisher, expected).map { abs($0 - $1) }.max()!
        #expect(error <= 1e-6 * (expected.max()! + 1e-12) + 1e-12, "max |Δ| = \(error)")
    }

    @Test func checkpointConfigCarriesWhatTheRegistryReads() throws {
        let report = try TrainingRun.run(Synthetic.request(encoder: .text, epochs: 2)) { _ in .proceed }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report.checkpoint + "/config.json"))) as! [String: Any]
        #expect(json["method"] as? String == "pretrain")
        #expect((json["dataset_fingerprint"] as? String)?.hasPrefix("sha256:") == true)
        #expect((json["parameters"] as? [String: Any])?["total"] as? Int == report.parameters)
        #expect((json["seen_interactions"] as? Int ?? 0) > 0)
        #expect((json["flops"] as? Double ?? 0) > 0)
    }
}
