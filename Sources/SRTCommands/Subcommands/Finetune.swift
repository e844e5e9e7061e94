import ArgumentParser
import SRTOCI
import SRTRegistry
import Foundation
import SRTModel
import SRTTensor
import SRTTraining

struct Finetune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune a checkpoint onto a new catalog.",
        discussion: """
            The new catalog's items are encoded from their text, so items never seen in pretraining \
            work. The defaults were chosen on validation (bench/finetune_screen.sh, bench/RESULTS.md): \
            everything trains from the first step (--stages full) for 30 epochs at lr 1e-3 with full CE, \
            no EWC, after three steps that decide where training starts:

            0. A tokenizer is trained on the new catalog's text (--vocabulary target), as srthub train \
            would make one; a piece the base also has keeps its pretrained row, and any other starts at \
            the mean of the rows of the base's pieces for the same text (--vocabulary base keeps the \
            base's tokenizer as it is).
            1. The base's token embeddings are rescaled to the scale a fresh model starts at \
            (--embedding-rms 0.02), directions kept: pretraining grows them far past it, and from there \
            the fine-tune barely moves them.
            2. A start probe: the base's weights train the first epochs of the schedule \
            (\(StartProbe.defaultRule), where the longer probe would cost too long; \
            --probe-epochs N), then fresh weights train the first as many of the run srthub train would \
            make (this catalog's own tokenizer, the whole budget); the one ahead on validation goes on \
            from where it paused. Where the base loses (a catalog far from its corpus), finetune says so \
            and the result is srthub train's, so a useless base costs the probe's epochs, not the result.

            --stages progressive is the SRT paper's: stage 1 trains the top transformer layer, stage i \
            the top i layers, then a final stage trains everything including the token embeddings; the \
            adapter and the input LayerNorm train throughout (the paper's recipe: --stages progressive \
            --epochs-per-layer 10 --final-epochs 50 --lr 1e-4 --ewc 100). Each stage has its own Adam and \
            one-cycle schedule, early stopping, and starts from the best validation weights so far. \
            top:N trains the top N layers in one stage.

            EWC (--ewc λ) adds λ·Σ F·(θ − θ*)² to the loss (no ½ factor; the paper's λ is 100), F the \
            base's diagonal Fisher (fisher.safetensors) and θ* its weights.

            It ends with its validation NDCG@10 beside the text baseline's on the same users (TF-IDF \
            cosine to the last item, no training), and says so where the baseline is not behind: on small \
            catalogs text similarity alone can rank better than a trained model, fine-tuned or not.

            The output records the base (the digest it has in any registry, and the remote name it came by, when known), the stages, λ, \
            the probe, the text baseline's figure and the data fingerprint, so `srthub log` shows how it was made once it is added.

            Examples:
              srthub finetune runs/base --data ../shared/datasets/amazon-beauty \\
                  --threads 2 --out runs/beauty-ft
              srthub finetune runs/base --data shop/ --stages progressive \\
                  --epochs-per-layer 10 --final-epochs 50 --lr 1e-4 --ewc 100 \\
                  --out runs/p
              srthub finetune team/srt-games:v1 --data shop/ --stages top:1 \\
                  --final-epochs 5 --out runs/shop
              srthub finetune base --data .cache/ml-100k \\
                  --map-field title=movie_title+class --out runs/ml

            Text fields: the output says which of the catalog's columns fed which of the base's fields \
            (by default a column feeds the field of its own name and every other column with text joins \
            the base's first field); the fine-tuned checkpoint records it, so eval reads them the same way.
            """)

    @Argument(help: "Base checkpoint: a folder, or a reference to a checkpoint in the registry.") var base: String
    @Option(help: "Dataset folder or interactions file to fine-tune on.") var data: String
    @Option(help: "Checkpoint folder to write.") var out: String
    @Option(help: "full (everything trains from the first step), progressive (the SRT paper's layer-wise unfreezing) or top:N.") var stages = "full"
    @Option(help: "Epochs of each layer stage (progressive).") var epochsPerLayer = 10
    @Option(help: "Epochs of the final (or only) stage.") var finalEpochs = 30
    @Option(help: "Peak learning rate of each stage's one-cycle schedule.") var lr: Float = 1e-3
    @Option(help: "EWC strength λ (0: off; the SRT paper's is 100).") var ewc: Float = 0
    @Option(help: "Loss, as srthub train spells it: ce, ssm:K, bce[:K], gbce[:K][,t=T], ce-:K, rece[:…] (default: ce on a catalog of at most 100,000 items, else the base's).") var loss: String?
    @Option(help: "Divide the loss's logits by this (default: the base's temperature).") var temperature: Float?
    @Option(help: "Label smoothing ε of the ce loss (default: the base's, when the loss is the base's).") var labelSmoothing: Float?
    @Option(help: "The probability that each piece of an item's text is left out of a training step, as srthub train's (0: none).")
    var tokenDropout: Float = 0
    @Option(help: ArgumentHelp("Which of the catalog's columns feed a text field of the base, e.g. title=title+brand (repeatable).",
                               discussion: "By default a column feeds the base's field of its own name, and every other column with text joins the base's first field, so no text is dropped."))
    var mapField: [String] = []
    @Option(help: "Sequences per batch.") var batch = 128
    @Option(help: "Epochs without a better validation NDCG@10 before a stage stops, counted once its warm-up (the first 30% of its epochs) is over.") var patience = 10
    @Flag(inversion: .prefixedNo, help: "Text bases: add a table with one vector per item of this catalog (zero at the start) to each item's text encoding, as UniSRec's transductive setting (the start probe's fresh side gets one too); the default for a text base. --no-item-ids keeps the model text-only.")
    var itemIds: Bool?
    @Flag(help: "Replace a checkpoint already in --out (a folder holding anything else is always refused).") var force = false
    @OptionGroup var threadOptions: ThreadOptions
    var threads: Int { threadOptions.threads }
    @Option(help: "Validate and keep an exponential moving average of the weights over about this many epochs of each stage (0: the raw weights).")
    var averageEpochs: Double = 0
    @Option(help: ArgumentHelp("Epochs of the start probe: the base's weights and fresh ones each train the schedule's first N epochs, and the one ahead on validation goes on (0: no probe). (default: \(StartProbe.defaultRule))",
                               discussion: "Where the base's start loses (a catalog far from its corpus), finetune says so and its fresh run goes on as srthub train's: this catalog's own tokenizer, everything unfrozen, the plan's whole budget. Five epochs can misjudge a start whose curve crosses fresh weights' later; sixteen is safer (bench/RESULTS.md) but costs half again a fine-tune's time, too long on larger catalogs."))
    var probeEpochs: Int?
    @Option(help: ArgumentHelp("Rescale the base's token embeddings to this root-mean-square before fine-tuning, directions kept (0: keep the base's).",
                               discussion: "0.02 is the scale a fresh model starts at. Pretraining grows the table far past it, and from there the fine-tune barely moves it (bench/finetune_screen.sh)."))
    var embeddingRms: Float = Network.initialScale
    @Option(help: ArgumentHelp("Fraction of the base's weights kept above the token table; the rest is a fresh initialization (1: the base's as they are).",
                               discussion: "Each tensor starts at keep·base + (1 − keep)·fresh, the shrink-and-perturb warm start: a pretraining grows weights past the scale training moves easily."))
    var keepBase: Float = 1
    @Option(help: ArgumentHelp("Fraction of the base's token table kept, after --embedding-rms; the rest is a fresh initialization (1: the base's rows; 0: a fresh table under the base's transformer).",
                               discussion: "The base's rows give items with similar text similar vectors from the first step; a catalog with enough data of its own may do better telling them apart."))
    var keepTokens: Float = 1
    @Option(help: ArgumentHelp("Tokenizer of the catalog's text: base (the base's own) or target (one trained on this catalog, its token table started from the base's).",
                               discussion: "With target, a piece the base also has keeps its row, and any other starts at the mean of the rows of the base's pieces for the same text; everything above the token table is the base's."))
    var vocabulary = "target"
    @Option(help: ArgumentHelp("Once fine-tuning ends, try the weights (1 − α)·start + α·fine-tuned for each α and keep the best on validation, the fine-tune itself included: auto (α 0.9, 0.8, 0.7), a comma-separated list of α in [0, 1), or none.",
                               discussion: "WiSE-FT's mix, every tensor but the token table, the start being the base as fine-tuning began from it. It is chosen on the validation split, like the best epoch, and recorded in config.json."))
    var baseMix = "auto"
    @Option(help: "Random seed.") var seed: UInt64 = 2020
    @Option(help: "License to publish the model under, recorded in config.json and its model card (default: the base's).") var license: String?
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var split: SplitOptions
    @OptionGroup var home: HomeOptions

    /// The α of `--base-mix`: auto's, none, or the user's list.
    func baseMixCandidates() throws -> [Float] {
        switch baseMix {
        case "auto": return BaseMix.defaultCandidates
        case "none": return []
        default:
            return try baseMix.split(separator: ",", omittingEmptySubsequences: false).map { part in
                let text = part.trimmingCharacters(in: .whitespaces)
                guard let alpha = Float(text), alpha >= 0, alpha < 1 else {
                    throw ValidationError("'--base-mix' takes auto, none or α values in [0, 1) separated by commas (1 is the fine-tune itself, always tried), got '\(text)' in '\(baseMix)'")
                }
                return alpha
            }
        }
    }

    func validate() throws {
        if !(embeddingRms >= 0) { throw ValidationError("'--embedding-rms' must be zero or positive, got \(embeddingRms)") }
        if !(keepBase >= 0 && keepBase <= 1) { throw ValidationError("'--keep-base' must be between 0 and 1, got \(keepBase)") }
        if !(keepTokens >= 0 && keepTokens <= 1) { throw ValidationError("'--keep-tokens' must be between 0 and 1, got \(keepTokens)") }
        if let probeEpochs, probeEpochs < 0 { throw ValidationError("'--probe-epochs' must be zero or positive, got \(probeEpochs)") }
        _ = try baseMixCandidates()
        guard FineTuneVocabulary(rawValue: vocabulary) != nil else { throw ValidationError("'--vocabulary' must be base or target, got '\(vocabulary)'") }
        guard StagePlan(stages) != nil else { throw ValidationError("'--stages' must be progressive, full or top:N (N ≥ 1), got '\(stages)'") }
        if let loss { do { _ = try LossKind.parse(loss) } catch { throw ValidationError("--loss: \(error.message)") } }
        if epochsPerLayer < 1 || finalEpochs < 1 { throw ValidationError("'--epochs-per-layer' and '--final-epochs' must be at least 1") }
        if !(lr > 0) { throw ValidationError("'--lr' must be positive") }
        if let temperature, !(temperature > 0) { throw ValidationError("'--temperature' must be positive, got \(temperature)") }
        if let labelSmoothing, !(labelSmoothing >= 0 && labelSmoothing < 1) {
            throw ValidationError("'--label-smoothing' must be at least 0 and below 1, got \(labelSmoothing)")
        }
        if !(ewc >= 0) { throw ValidationError("'--ewc' must be zero or positive") }
        if !(tokenDropout >= 0 && tokenDropout < 1) { throw ValidationError("'--token-dropout' must be at least 0 and below 1, got \(tokenDropout)") }
        if !(averageEpochs >= 0) { throw ValidationError("'--average-epochs' must be zero or positive") }
    }

    /// `host/namespace/name@sha256:…` when the base is known under a remote registry's name (as
    /// typed, or a tag that `pull` made); nil when only local names point at it.
    static func origin(of digest: Digest, typed: Reference, registry: Registry) -> String? {
        let names = [typed] + ((try? registry.tags(of: digest)) ?? []).compactMap { try? Reference(parsing: $0) }
        guard let remote = names.first(where: { $0.host != nil }), let host = remote.host else { return nil }
        return "\(host)/\(remote.repository)@\(digest)"
    }

    func run() async throws {
        BLASKernel.restartWithFasterKernelIfNeeded()  // before any BLAS work
        let location = try CheckpointLocation(base, home: home)
        var request = FineTuneRequest(base: location.folder, dataPath: data, output: out)
        // Lineage names the base as anyone can: by the digest it has in any registry (a folder's is
        // computed as `add` would), and by a remote's name pinned to it when it came from one; never
        // by a local path or a local tag, which exist on this machine only.
        if let stored = location.stored {
            request.baseDigest = stored.digest.description
            request.baseReference = Self.origin(of: stored.digest, typed: stored.reference, registry: stored.registry)
        } else {
            request.baseDigest = try Failure.reporting { try Registry.digest(ofCheckpointAt: location.folder) }.description
        }
        request.load = dataOptions.loadOptions
        request.splitProtocol = split.splitProtocol
        request.plan = StagePlan(stages)!
        request.epochsPerLayer = epochsPerLayer
        request.finalEpochs = finalEpochs
        request.ewc = ewc
        request.probeEpochs = probeEpochs
        request.vocabulary = FineTuneVocabulary(rawValue: vocabulary)!
        request.embeddingRMS = embeddingRms > 0 ? embeddingRms : nil
        request.keepBase = keepBase
        request.keepTokens = keepTokens
        request.baseMixes = try baseMixCandidates()
        request.itemIDs = itemIds
        request.loss = loss.flatMap(LossKind.init)
        request.temperature = temperature
        request.labelSmoothing = labelSmoothing
        request.fieldMap = try Failure.reporting { try FieldMapping.parse(mapField) }
        request.options.learningRate = lr
        request.options.batch = batch
        request.options.patience = patience
        request.options.threads = threads
        request.replacing = force
        request.options.averageEpochs = averageEpochs > 0 ? averageEpochs : nil
        request.options.tokenDropout = tokenDropout > 0 ? tokenDropout : nil
        request.options.seed = seed
        request.license = license
        BLASThreads.set(1)  // each batch is split across --threads workers instead
        let display = ProgressDisplay(total: epochsPerLayer)
        let report = try Failure.reporting { try FineTuneRun.run(request) { display.handle($0) } }
        display.finish()
        defer { if ProgressDisplay.interrupted { Foundation.exit(ProgressDisplay.interruptedExitStatus) } }
        if home.json { return try printJSON(report) }
        let origin = report.baseLostProbe == true ? "trained from scratch: \(base) lost the start probe" : "fine-tuned from \(base)"
        print("checkpoint   \(report.checkpoint)  (\(origin), \(report.epochs) epochs, \(String(format: "%.0f", report.seconds)) s)")
        print(TestTable.render(report.test))
    }
}

struct Fisher: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute a checkpoint's diagonal Fisher information on its pretraining data and add it (fisher.safetensors).",
        discussion: """
            EWC fine-tuning needs it; srthub train writes it already, so this is for checkpoints made \
            elsewhere or without it. The Fisher is the mean over training batches of the squared \
            gradient of each batch's mean loss, at the checkpoint's weights, with dropout off.

            Example:
              srthub fisher runs/games --data ../shared/datasets/amazon-games
            """)

    @Argument(help: "Checkpoint folder.") var checkpoint: String
    @Option(help: "The data it was pretrained on.") var data: String
    @Option(help: "At most this many batches.") var batches = 3000
    @OptionGroup var threadOptions: ThreadOptions
    var threads: Int { threadOptions.threads }
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var split: SplitOptions

    func run() async throws {
        BLASKernel.restartWithFasterKernelIfNeeded()  // before any BLAS work
        BLASThreads.set(1)  // each batch is split across --threads workers instead
        let used = try Failure.reporting {
            try FisherRun.run(checkpoint: checkpoint, dataPath: data, load: dataOptions.loadOptions, splitProtocol: split.splitProtocol, maxBatches: self.batches, threads: threads)
        }
        print("wrote \(checkpoint)/fisher.safetensors (\(used) batches)")
    }
}
