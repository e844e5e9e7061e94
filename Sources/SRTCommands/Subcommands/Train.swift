import ArgumentParser
import Foundation
import SRTData
import SRTModel
import SRTTensor
import SRTTraining

struct Train: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train an SRT model (or the ID-based SASRec baseline) and write a checkpoint folder.",
        discussion: """
            Every position of each training window is scored in one pass. Validation NDCG@10 \
            (history masked and unmasked) is computed after every epoch; after the warm-up, training \
            stops after --patience epochs without improvement (of the --select score) and keeps the \
            best weights. The test split is evaluated at the end, with history masked and unmasked, \
            and written to eval.json beside the weights.

            Examples:
              srthub train --data .cache/ml-100k --preset srt-64x2 --out runs/ml-100k
              srthub train --data ../shared/datasets/amazon-beauty --preset srt-64x2 \\
                  --loss ssm:1000 --out runs/beauty
              srthub train --data .cache/ml-100k --item-encoder id --loss bce \\
                  --out runs/sasrec
              srthub train --data .cache/ml-100k --resume runs/ml-100k      (after Ctrl-C)
              srthub train --data shop-a --data shop-b --loss ssm:1000 --out runs/ab
                  (one model, two catalogs)
              srthub train --corpus models/corpora/amazon-7.json --loss ssm:1000 \\
                  --validation-cases 7000 --out runs/base
            """)

    @Option(help: "Dataset folder or interactions file; repeat it to train on several catalogs at once (users and items kept apart per catalog).")
    var data: [String] = []
    @Option(help: "A corpus file, JSON {\"name\": …, \"catalogs\": [folder, …]} with folders relative to the file (models/corpora/).")
    var corpus: String?
    @Option(help: "Architecture preset (srthub presets) or a preset JSON file.") var preset = "srt-64x2"
    @Option(help: "Loss: ce (full catalog), ssm:K (sampled softmax, K shared popularity negatives, logQ), bce[:K] (K unseen negatives per position; SASRec: 1), gbce[:K][,t=T] (gSASRec, default 256 and 0.75), ce-:K (K unseen negatives per user), rece[:buckets=N,extra=E,rounds=R] (RECE; defaults: the paper's bucket formula, 1, 8).")
    var loss = "ce"
    @Option(help: "Divide the training loss's logits by this (below 1 sharpens the softmax, above 1 flattens it; ranking is unaffected).")
    var temperature: Float = 1
    @Option(help: "Label smoothing ε of the ce loss: train towards 1 − ε on the next item and ε spread over the whole catalog (0: none, as the reference).")
    var labelSmoothing: Float = 0
    @Option(help: "Item encoder: text (SRT) or id (SASRec).") var itemEncoder: ItemEncoderConfig.Kind = .text
    @Flag(help: "Text models: add a table with one vector per item (zero at the start) to each item's text encoding, as UniSRec's transductive setting; items outside this catalog are scored by their text alone.")
    var itemIds = false
    @Option(help: "Text fields to encode, comma-separated (default: every field with text).") var fields: String?
    @Option(help: "SentencePiece vocabulary size (lowered automatically for small corpora).") var vocabSize = 30_000
    @Option(help: "Maximum number of epochs.") var epochs = 100
    @Option(help: "Sequences per batch.") var batch = 128
    @Option(help: "Peak learning rate of the one-cycle schedule.") var lr: Float = 1e-3
    @Option(help: "Coupled L2 weight decay (added to the gradient, as torch.optim.Adam).") var weightDecay: Float = 0
    @Option(help: "Decoupled weight decay (AdamW: every step multiplies each weight by 1 − lr × this; 0: none).") var decoupledWeightDecay: Float = 0
    @Option(help: "Text models: the probability that each piece of an item's text is left out of a training step (kept pieces scaled up to match; evaluation reads every piece; 0: none).")
    var tokenDropout: Float = 0
    @Option(help: "Learning-rate schedule: onecycle (30% warm-up, cosine) or constant (as RecBole).") var lrSchedule = "onecycle"
    @Option(help: "Validation NDCG@10 that picks the best epoch and drives early stopping: masked (history excluded), unmasked (every item ranked, as RecBole selects) or mean (of the two).")
    var select = "masked"
    @Option(help: "Validate and keep an exponential moving average of the weights over about this many epochs (0: the raw weights).")
    var averageEpochs: Double = 0
    @Option(help: "A wall-time budget in minutes: training ends after the first epoch that reaches it (the one-cycle schedule still spans --epochs; pair it with --lr-schedule constant, or pick --epochs to end near the budget).")
    var maxMinutes: Double?
    @Option(help: "Clip gradients to this global L2 norm (0: no clipping).") var maxGradNorm: Float = 1
    @Option(help: "Epochs without a better validation NDCG@10 before stopping, counted once the one-cycle warm-up (the first 30% of epochs) is over.") var patience = 10
    @Option(help: "Maximum sequence length (overrides the preset's).") var maxLen: Int?
    @Option(help: "Items between training windows (default: half the max length; the max length gives disjoint windows).")
    var windowStride: Int?
    @OptionGroup var threadOptions: ThreadOptions
    var threads: Int { threadOptions.threads }
    @Option(help: "Random seed (training is reproducible from it).") var seed: UInt64 = 2020
    @Option(help: "License to publish the model under, recorded in config.json and its model card (an SPDX id such as apache-2.0, or other).") var license: String?
    @Option(help: "With several catalogs: draw negatives from each batch's own catalog (batches then hold one catalog each; ce and rece score only its items), or from the whole union.")
    var negativesFrom: NegativeSource = .catalog
    @Option(help: "Validation cases scored after each epoch (default: all; with several catalogs, an equal share of each).")
    var validationCases: Int?
    @Option(help: "Checkpoint folder to write.") var out: String?
    @Option(help: "Continue an interrupted run from its checkpoint folder (its model and recipe are used; pass the same --data).")
    var resume: String?
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var split: SplitOptions
    @Flag(help: "Print the final report as JSON.") var json = false
    @Flag(help: "Replace a checkpoint already in --out (a folder holding anything else is always refused).") var force = false

    func validate() throws {
        if out == nil && resume == nil { throw ValidationError("pass '--out DIR' (or '--resume DIR' to continue a run)") }
        if data.isEmpty && corpus == nil { throw ValidationError("pass '--data DIR' (repeatable) or '--corpus FILE'") }
        if !data.isEmpty && corpus != nil { throw ValidationError("pass either '--data' or '--corpus', not both") }
        if let validationCases, validationCases < 1 { throw ValidationError("'--validation-cases' must be at least 1") }
        do { _ = try LossKind.parse(loss) } catch { throw ValidationError("--loss: \(error.message)") }
        if itemIds && itemEncoder == .id { throw ValidationError("'--item-ids' adds an item table to a text encoder; '--item-encoder id' is one already") }
        if epochs < 1 { throw ValidationError("'--epochs' must be at least 1") }
        if batch < 1 { throw ValidationError("'--batch' must be at least 1") }
        if !(lr > 0) { throw ValidationError("'--lr' must be positive") }
        if !["onecycle", "constant"].contains(lrSchedule) { throw ValidationError("'--lr-schedule' must be onecycle or constant") }
        if !["masked", "unmasked", "mean"].contains(select) { throw ValidationError("'--select' must be masked, unmasked or mean") }
        if !(temperature > 0) { throw ValidationError("'--temperature' must be positive, got \(temperature)") }
        if !(labelSmoothing >= 0 && labelSmoothing < 1) { throw ValidationError("'--label-smoothing' must be at least 0 and below 1, got \(labelSmoothing)") }
        if let maxMinutes, !(maxMinutes > 0) { throw ValidationError("'--max-minutes' must be positive") }
        if !(averageEpochs >= 0) { throw ValidationError("'--average-epochs' must be zero or positive") }
        if !(maxGradNorm >= 0) { throw ValidationError("'--max-grad-norm' must be zero or positive") }
        if !(tokenDropout >= 0 && tokenDropout < 1) { throw ValidationError("'--token-dropout' must be at least 0 and below 1, got \(tokenDropout)") }
        if tokenDropout > 0 && itemEncoder != .text { throw ValidationError("'--token-dropout' applies to the text item encoder; drop it with --item-encoder id") }
    }

    func run() async throws {
        BLASKernel.restartWithFasterKernelIfNeeded()  // before any BLAS work
        var architecture = try Failure.reporting {
            if preset.hasSuffix(".json") { return try PresetCatalog.read(path: preset) }
            return try PresetCatalog.locate().preset(named: preset)
        }
        if let maxLen { architecture.maxLength = maxLen }
        var paths = data, corpusName: String?
        if let corpus { (corpusName, paths) = try Failure.reporting { try CorpusFile.read(path: corpus) } }
        var request = TrainRequest(dataPaths: paths, architecture: architecture, output: out ?? resume!)
        request.corpusName = corpusName
        request.options.validationCases = validationCases
        request.options.negatives = negativesFrom == .union ? nil : negativesFrom
        request.resume = resume
        request.load = dataOptions.loadOptions
        request.splitProtocol = split.splitProtocol
        request.encoder = itemEncoder
        request.itemIDs = itemIds
        request.fields = fields?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        request.vocabularySize = vocabSize
        request.options.loss = LossKind(loss)!
        request.options.epochs = epochs
        request.options.batch = batch
        request.options.learningRate = lr
        request.options.weightDecay = weightDecay
        request.options.decoupledWeightDecay = decoupledWeightDecay == 0 ? nil : decoupledWeightDecay
        request.options.tokenDropout = tokenDropout == 0 ? nil : tokenDropout
        request.options.schedule = lrSchedule == "onecycle" ? nil : lrSchedule
        request.options.selection = select == "masked" ? nil : select
        request.options.averageEpochs = averageEpochs > 0 ? averageEpochs : nil
        request.options.maxSeconds = maxMinutes.map { $0 * 60 }
        request.options.maxGradientNorm = maxGradNorm
        request.options.lossTemperature = temperature
        request.options.lossLabelSmoothing = labelSmoothing
        request.options.patience = patience
        request.options.threads = threads
        request.replacing = force
        request.options.windowStride = windowStride
        request.options.seed = seed
        request.license = license

        BLASThreads.set(1)  // once, before any BLAS work: each batch is split across --threads workers instead
        // A resumed run follows its checkpoint's recipe, epochs included.
        let plannedEpochs = resume.flatMap { FileManager.default.contents(atPath: $0 + "/config.json") }
            .flatMap { try? JSONDecoder().decode(CheckpointConfig.self, from: $0) }?.training.epochs ?? epochs
        let display = ProgressDisplay(total: plannedEpochs)
        let report = try Failure.reporting { try TrainingRun.run(request) { display.handle($0) } }
        display.finish()
        // Interrupted runs still write their checkpoint, then exit 128 + the signal (130 for Ctrl-C).
        defer { if ProgressDisplay.interrupted { Foundation.exit(ProgressDisplay.interruptedExitStatus) } }
        if json { return try printJSON(report) }
        print("checkpoint   \(report.checkpoint)  (\(grouped(report.parameters)) parameters, best epoch \(report.bestEpoch) of \(report.epochs), \(String(format: "%.0f", report.seconds)) s)")
        print(TestTable.render(report.test))
    }
}

extension ItemEncoderConfig.Kind: ExpressibleByArgument {}
extension NegativeSource: ExpressibleByArgument {}
