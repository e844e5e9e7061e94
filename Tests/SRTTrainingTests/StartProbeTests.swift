import Foundation
import Testing
import SRTData
import SRTModel
@testable import SRTTraining

/// The fine-tune's start probe: the base's weights against fresh ones over the schedule's first
/// epochs, the winner's run going on exactly as it would have without the probe.
@Suite struct StartProbeTests {
    /// A catalog of 25 items named "thing number i" whose users step through them by `step`.
    static func cycle(step: Int) -> String {
        let path = NSTemporaryDirectory() + "srthub-probe-" + UUID().uuidString + "/steps"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var inter = "user_id:token\titem_id:token\n"
        for u in 0..<80 {
            for t in 0..<(5 + u % 10) { inter += "u\(u)\ti\(((u * 7 + step * t) % 25 + 25) % 25)\n" }
        }
        var items = "item_id:token\ttitle:token_seq\n"
        for i in 0..<25 { items += "i\(i)\tthing number \(i)\n" }
        try! inter.write(toFile: path + "/steps.inter", atomically: true, encoding: .utf8)
        try! items.write(toFile: path + "/steps.item", atomically: true, encoding: .utf8)
        return path
    }

    static func base(trainedOn data: String) throws -> String {
        var request = Synthetic.request(encoder: .text, epochs: 20)
        request.dataPaths = [data]
        return try TrainingRun.run(request) { _ in .proceed }.checkpoint
    }

    @Test func aUsefulBaseWinsAndTheFineTuneIsExactlyAsWithoutTheProbe() throws {
        let data = Self.cycle(step: 1)
        let base = try Self.base(trainedOn: data)
        func fineTune(probeEpochs: Int) throws -> (config: CheckpointConfig, weights: Data) {
            var request = FineTuneRequest(base: base, dataPath: data, output: NSTemporaryDirectory() + "srthub-probe-out-" + UUID().uuidString)
            request.plan = .full
            request.finalEpochs = 4
            request.ewc = 0
            request.options.batch = 16
            request.probeEpochs = probeEpochs
            let report = try FineTuneRun.run(request) { _ in .proceed }
            #expect(report.baseLostProbe == nil)
            #expect(!FileManager.default.fileExists(atPath: report.checkpoint + ".fresh-start-\(ProcessInfo.processInfo.processIdentifier)"), "the fresh side is cleaned up")
            return (try CheckpointConfig.read(report.checkpoint), try Data(contentsOf: URL(fileURLWithPath: report.checkpoint + "/model.safetensors")))
        }
        let probed = try fineTune(probeEpochs: 2)
        let plain = try fineTune(probeEpochs: 0)
        let probe = try #require(probed.config.fineTuning?.probe)
        #expect(probe.start == .base && probe.epochs == 2 && probe.baseValidationNDCG10 > probe.freshValidationNDCG10, "\(probe)")
        #expect(plain.config.fineTuning?.probe == nil)
        #expect(probed.weights == plain.weights, "the base's run, paused for the probe and gone on, is exactly the run without it")
        #expect(probed.config.bestEpoch == plain.config.bestEpoch && probed.config.seenInteractions == plain.config.seenInteractions)
    }

    @Test func theDefaultLengthIsLongWhereTheCatalogIsSmall() {
        #expect(StartProbe.defaultEpochs(trainingInteractions: 43_448) == 16, "amazon-office's size")
        #expect(StartProbe.defaultEpochs(trainingInteractions: 100_000) == 16)
        #expect(StartProbe.defaultEpochs(trainingInteractions: 100_001) == 5)
        #expect(StartProbe.defaultEpochs(trainingInteractions: 153_776) == 5, "amazon-beauty's size")
    }

    @Test func noLengthGivenTakesTheDefaultForTheCatalogAndSaysSo() throws {
        let data = Self.cycle(step: 1)
        var request = FineTuneRequest(base: try Self.base(trainedOn: data), dataPath: data, output: NSTemporaryDirectory() + "srthub-probe-out-" + UUID().uuidString)
        request.plan = .full
        request.finalEpochs = 18
        request.ewc = 0
        request.options.batch = 16
        request.options.patience = 100
        request.probeEpochs = nil
        var notes: [String] = []
        let report = try FineTuneRun.run(request) { event in
            if case .note(let text) = event { notes.append(text) }
            return .proceed
        }
        let probe = try #require(try CheckpointConfig.read(report.checkpoint).fineTuning?.probe)
        #expect(probe.epochs == 16, "a catalog of a few hundred interactions gets the long probe: \(probe)")
        #expect(notes.contains { $0.contains("start probe") && $0.contains("the default for") && $0.contains("--probe-epochs N") }, "\(notes)")
    }

    @Test func aBaseThatHurtsLosesAndTrainingRunsAsFromScratch() throws {
        // A base whose weights are large noise: nothing in it helps, and Adam needs many steps to
        // undo it. (A base trained on the opposite order, i − 1, still wins: it re-learns in an epoch.)
        let base = try Self.base(trainedOn: Self.cycle(step: -1))
        let path = base + "/model.safetensors"
        let tensors = try Safetensors.decode(try Data(contentsOf: URL(fileURLWithPath: path))).tensors.values.sorted { $0.name < $1.name }
        let noisy = tensors.map { t in
            Safetensors.Tensor(name: t.name, shape: t.shape, values: t.values.indices.map { i in 3 * sin(Float(i) * 12.9898 + Float(t.name.count)) })
        }
        try Safetensors.encode(noisy).write(to: URL(fileURLWithPath: path))
        var request = FineTuneRequest(base: base, dataPath: Self.cycle(step: 1), output: NSTemporaryDirectory() + "srthub-probe-out-" + UUID().uuidString)
        request.epochsPerLayer = 2
        request.finalEpochs = 8
        request.options.learningRate = 1e-2
        request.options.batch = 16
        request.options.patience = 20
        request.probeEpochs = 2
        var notes: [String] = []
        var stages = 0
        let report = try FineTuneRun.run(request) { event in
            if case .note(let text) = event { notes.append(text) }
            if case .stage = event { stages += 1 }
            return .proceed
        }
        let config = try CheckpointConfig.read(report.checkpoint)
        let probe = try #require(config.fineTuning?.probe)
        #expect(probe.start == .fresh && probe.freshValidationNDCG10 > probe.baseValidationNDCG10, "\(probe)")
        #expect(notes.contains { $0.contains("LOSES") }, "finetune says so")
        #expect(report.baseLostProbe == true, "the command's last line says so too")
        #expect(report.textBaselineValidationNDCG10 != nil && report.textBaselineValidationNDCG10 == config.fineTuning?.textBaselineValidationNDCG10)
        #expect(notes.last?.contains("for the text baseline") == true, "it ends with the text baseline, as a base that wins does: \(notes.last ?? "")")
        // Trained as `srthub train` would: its own tokenizer (fresh weights under the base's vocabulary
        // trailed that), one run of the whole budget, no parent (none of its weights came from the base).
        #expect(stages == 1 && config.method.contains("from scratch") && config.parent == nil, "\(config.method)")
        #expect(config.training.epochs == 2 + 8, "the whole budget of the plan")
        #expect(try Data(contentsOf: URL(fileURLWithPath: report.checkpoint + "/tokenizer.model")) != Data(contentsOf: URL(fileURLWithPath: base + "/tokenizer.model")))
        #expect(config.fineTuning?.base != nil, "it names the base it did not use")
        #expect(report.test.masked["hr@5"]! > 0.5, "it still learns the catalog: \(report.test.masked)")
        // The fresh run, paused for the probe and gone on, is exactly srthub train's uninterrupted run.
        var train = FineTuneRun.scratchRequest(request, architecture: config.model.architecture, options: config.training, epochs: 2 + 8,
                                               license: nil, output: NSTemporaryDirectory() + "srthub-probe-train-" + UUID().uuidString)
        train.options.epochs = 2 + 8
        let direct = try TrainingRun.run(train) { _ in .proceed }
        #expect(try Data(contentsOf: URL(fileURLWithPath: direct.checkpoint + "/model.safetensors"))
                == Data(contentsOf: URL(fileURLWithPath: report.checkpoint + "/model.safetensors")))
        #expect(direct.test.masked == report.test.masked)
    }
}
