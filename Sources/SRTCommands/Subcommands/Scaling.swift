import ArgumentParser
import Foundation
import SRTData
import SRTModel
import SRTOCI
import SRTRegistry
import SRTScaling
import SRTTensor
import SRTTraining

struct Scaling: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scaling laws over the registry's runs: train a grid, fit the SRT paper's laws with intervals, plot them, suggest a size.",
        discussion: """
            A sweep's runs are checkpoints in the registry tagged NAME:PRESET-fFRACTION; each records its \
            non-embedding parameters N, the interactions it saw T, the FLOPs it spent and its validation \
            NDCG@10 after every epoch (config.json, train_log.jsonl). The laws are the paper's: Eq. 4, \
            NDCG(N, T) = E − A/N^α − B/T^β (non-negative least squares), at each run's best validation \
            epoch; Eq. 3, NDCG(FLOPs) = a/(1 + e^(−k(ln FLOPs − c))) − d over the envelope of all curves.

            Example:
              srthub scaling sweep --name scaling/amazon-7 \\
                  --corpus models/corpora/amazon-7.json \\
                  --presets srt-64x2,srt-128x2 --fractions 0.05,0.2,1 --epochs 10
              srthub scaling fit --name scaling/amazon-7
              srthub scaling plot --name scaling/amazon-7 --out figures/
              srthub scaling suggest --name scaling/amazon-7 --minutes 60
            """,
        subcommands: [ScalingSweep.self, ScalingFitCommand.self, ScalingPlotCommand.self, ScalingSuggest.self])
}

struct ScalingSweep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Train every preset on every fraction of the users and add each run to the registry; stopped, it resumes.",
        discussion: """
            Users are sampled per catalog by a hash of their id with --users-seed, so a fraction is the same \
            users every time and a smaller fraction's users are within a larger one's. A run already tagged \
            in the registry is skipped; one stopped midway (Ctrl-C) continues from its folder under --work.
            """)

    @Option(help: "The sweep's name: its runs are tagged NAME:PRESET-fFRACTION.") var name: String
    @Option(help: "Dataset folder (repeatable).") var data: [String] = []
    @Option(help: "A corpus file listing the catalogs (models/corpora/*.json), instead of --data.") var corpus: String?
    @Option(help: "Presets, comma-separated: names (srthub presets lists them) or JSON files.") var presets: String
    @Option(help: "Fractions of each catalog's users, comma-separated (0 < F ≤ 1).") var fractions: String
    @Option(help: "Epochs of every run.") var epochs = 10
    @Option(help: "Loss of every run, as srthub train spells it.") var loss = "ssm:1000"
    @Option(help: "Sequences per batch.") var batch = 128
    @Option(help: "Peak learning rate.") var lr: Float = 1e-3
    @Option(help: "With several catalogs: draw the sampled loss's negatives from each batch's own catalog (as the published bases) or from the union.")
    var negativesFrom: NegativeSource = .catalog
    @Option(help: "Seed of the users' sample.") var usersSeed: UInt64 = 0
    @Option(help: "Validation cases scored after each epoch.") var validationCases = 5000
    @Option(help: "Folder of the runs' checkpoints (default: runs/scaling/NAME).") var work: String?
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var home: HomeOptions

    var presetList: [String] { presets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    var fractionList: [Double] { fractions.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        if data.isEmpty && corpus == nil { throw ValidationError("pass '--data DIR' (repeatable) or '--corpus FILE'") }
        if presetList.isEmpty { throw ValidationError("'--presets' names no preset") }
        let parts = fractions.split(separator: ",")
        if parts.isEmpty || fractionList.count != parts.count || !fractionList.allSatisfy({ $0 > 0 && $0 <= 1 }) {
            throw ValidationError("'--fractions' must be numbers above 0 and at most 1, comma-separated, got '\(fractions)'")
        }
        do { _ = try LossKind.parse(loss) } catch { throw ValidationError("--loss: \(error.message)") }
        if epochs < 1 { throw ValidationError("'--epochs' must be at least 1") }
        _ = try parseReference(name + ":x")
    }

    static func runName(preset: String, fraction: Double) -> String { "\(preset)-f\(fraction)" }

    func run() async throws {
        BLASKernel.restartWithFasterKernelIfNeeded()
        BLASThreads.set(1)
        let registry = try home.open()
        let architectures = try Failure.reporting {
            try presetList.map { $0.hasSuffix(".json") ? try PresetCatalog.read(path: $0) : try PresetCatalog.locate().preset(named: $0) }
        }
        var paths = data, corpusName: String?
        if let corpus { (corpusName, paths) = try Failure.reporting { try CorpusFile.read(path: corpus) } }
        let folder = work ?? "runs/scaling/" + name
        // Smallest data first, every size at each: a sweep stopped early still spans the sizes.
        let grid = fractionList.sorted().flatMap { f in architectures.map { ($0, f) } }
        var trained = 0, skipped = 0
        for (number, (architecture, fraction)) in grid.enumerated() {
            let run = Self.runName(preset: architecture.name, fraction: fraction)
            let tag = try parseReference(name + ":" + run)
            let header = "[\(number + 1)/\(grid.count)] \(run)"
            if (try? registry.resolve(tag)) != nil {
                printError("\(header): recorded already (\(tag)), skipped")
                skipped += 1
                continue
            }
            let out = folder + "/" + run
            var request = TrainRequest(dataPaths: paths, architecture: architecture, output: out)
            request.corpusName = corpusName
            request.load.usersFraction = fraction
            request.load.usersSeed = usersSeed
            request.options.loss = LossKind(loss)!
            request.options.epochs = epochs
            request.options.batch = batch
            request.options.learningRate = lr
            request.options.threads = threadOptions.threads
            request.options.validationCases = validationCases
            request.options.patience = epochs  // every epoch is a point of the curve
            request.computeFisher = false  // a point of a law, not a base to fine-tune with EWC: its pass would cost minutes
            request.options.negatives = paths.count > 1 && negativesFrom == .catalog ? .catalog : nil
            let fm = FileManager.default
            let complete = fm.contents(atPath: out + "/config.json").flatMap { try? JSONDecoder().decode(CheckpointConfig.self, from: $0) }
                .map { $0.complete != false } ?? false
            if !complete {
                if fm.fileExists(atPath: out + "/resume") {
                    request.resume = out
                    printError("\(header): resuming \(out)")
                } else {
                    printError("\(header): training \(architecture.name) on \(fraction) of the users, \(epochs) epochs")
                    request.replacing = true  // a folder this sweep wrote and left without a checkpoint is its own
                }
                let display = ProgressDisplay(total: epochs)
                _ = try Failure.reporting { try TrainingRun.run(request) { display.handle($0) } }
                display.finish()
                if ProgressDisplay.interrupted {
                    printError("stopped: run the same command again to resume \(run) and the rest of the sweep")
                    Foundation.exit(ProgressDisplay.interruptedExitStatus)
                }
            }
            try Failure.reporting { try Checkpoint.validate(out) }
            let added = try Failure.reporting { try registry.add(checkpoint: out, as: tag) }
            printError("\(header): → \(added.reference) \(added.digest.short)")
            trained += 1
        }
        struct Summary: Encodable {
            let schema = "srthub.scaling-sweep.v1"
            let name: String, runs: Int, added: Int, recordedBefore: Int
        }
        if home.json { return try printJSON(Summary(name: name, runs: grid.count, added: trained, recordedBefore: skipped)) }
        print("sweep \(name): \(grid.count) runs, \(trained) added now, \(skipped) recorded before; fit them with srthub scaling fit --name \(name)")
    }
}
