import ArgumentParser
import Foundation
import SRTData
import SRTOCI
import SRTRegistry
import SRTTensor
import SRTModel
import SRTTraining

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a checkpoint on a dataset's test split, against baselines trained on the same split.",
        discussion: """
            Metrics: NDCG@K, HR@K and MRR@K with one target per test user. Ties are broken \
            pessimistically: the target ranks below every item with an equal score, so a model that \
            scores everything alike earns nothing. Full ranking scores the whole catalog; with \
            --negatives N the target is ranked among N sampled negatives (uniform or by training \
            popularity, with replacement, never the target itself). History masking (the user's other \
            items are not ranked, nor drawn as negatives) is printed with every result.

            Baselines: pop (most popular), sasrec (ID embeddings, BCE; --baseline-loss trains it with \
            other losses, e.g. gbce:256 or rece), sasrec-ce (ID embeddings, full CE), scratch (this checkpoint's architecture trained from scratch on this data), \
            text (no training: the TF-IDF cosine of each item's text to the history's last item, which tells how much \
            of a result text similarity alone explains). \
            Trained baselines use the checkpoint's recipe (a fine-tuned one: its base's) with the \
            checkpoint's own number of epochs (--baseline-epochs overrides it), so both sides get the same budget, \
            and are cached in $SRTHUB_HOME/cache/baselines by dataset fingerprint and recipe, so a \
            second eval does not train them again.

            Results are written into the checkpoint folder (eval.json, the registry's evaluations, \
            and eval-report.json, the whole table); a registry reference stores them in the registry.

            Examples:
              srthub eval runs/ml-100k --data .cache/ml-100k \\
                  --baselines pop,sasrec,scratch
              srthub eval runs/beauty --data ../shared/datasets/amazon-beauty \\
                  --negatives 100 --markdown
              srthub eval runs/ml-100k --data .cache/ml-100k --baselines sasrec \\
                  --baseline-loss bce --baseline-loss gbce:256 --baseline-loss rece
              srthub eval ml-100k:v1 --data .cache/ml-100k --masking masked --json
            """)

    enum HistoryMasking: String, ExpressibleByArgument, CaseIterable { case masked, unmasked, both }

    @Argument(help: "Checkpoint folder, or a reference to a checkpoint in the registry.") var checkpoint: String
    @Option(help: "Dataset folder or interactions file (repeatable: the catalogs of a union, each user's target ranked among its own catalog's items).")
    var data: [String] = []
    @Option(help: "A corpus file listing the catalogs (models/corpora/*.json), instead of --data.") var corpus: String?
    @Option(help: "Comma-separated baselines: pop, sasrec, sasrec-ce, scratch, text.") var baselines = ""
    @Option(name: .customLong("cutoffs"), help: ArgumentHelp("Comma-separated cutoffs K of the metrics.", valueName: "k,…")) var k = "1,5,10"
    @Option(help: "Rank among N sampled negatives instead of the full catalog (100 as SASRec, 10000 as the SRT paper).")
    var negatives: Int?
    @Option(help: "How negatives are drawn: uniform or popularity.") var sampling: EvaluationMode.Sampling = .uniform
    @Option(name: .customLong("masking"), help: "Whether the user's history is masked from the ranking: masked, unmasked or both.") var history: HistoryMasking = .both
    @Option(help: "Train the sasrec baseline with this loss instead of BCE (repeatable: one sasrec baseline per loss), spelled as srthub train's --loss: bce:K, gbce:K, ce-:K, rece, ssm:K, ce.")
    var baselineLoss: [String] = []
    @Option(help: "Epochs for trained baselines (default: the checkpoint's own, all fine-tuning stages included, so both sides get the same budget).") var baselineEpochs: Int?
    @OptionGroup var threadOptions: ThreadOptions
    var threads: Int { threadOptions.threads }
    @Option(help: "Seed of the sampled negatives.") var seed: UInt64 = 0
    @Flag(help: "Evaluate on the validation users instead of the test users (e.g. forgetting on a pretraining set).") var validation = false
    @Option(help: "Write the model's rank of every user's target, per mode, to this JSON file (for paired bootstrap intervals between two models on the same users).")
    var ranks: String?
    @Flag(help: "Print a Markdown table.") var markdown = false
    @Flag(help: "Do not write the results into the checkpoint folder or registry.") var noSave = false
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var split: SplitOptions
    @OptionGroup var home: HomeOptions

    var ks: [Int] { k.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
    var baselineList: [Baseline] { baselines.split(separator: ",").compactMap { Baseline(rawValue: $0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        if data.isEmpty && corpus == nil { throw ValidationError("pass '--data DIR' (repeatable) or '--corpus FILE'") }
        if !data.isEmpty && corpus != nil { throw ValidationError("pass either '--data' or '--corpus', not both") }
        let names = baselines.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if let bad = names.first(where: { Baseline(rawValue: $0) == nil }) {
            throw ValidationError("unknown baseline '\(bad)': pick from \(Baseline.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let parts = k.split(separator: ",")
        if parts.isEmpty || ks.count != parts.count || ks.contains(where: { $0 < 1 }) {
            throw ValidationError("'--cutoffs' must be positive integers separated by commas, e.g. 1,5,10")
        }
        if let negatives, negatives < 1 { throw ValidationError("'--negatives' must be at least 1") }
        for loss in baselineLoss { do { _ = try LossKind.parse(loss) } catch { throw ValidationError("--baseline-loss: \(error.message)") } }
        if !baselineLoss.isEmpty && !baselineList.contains(.sasrec) { throw ValidationError("--baseline-loss sets the sasrec baseline's loss: add sasrec to --baselines") }
        if let baselineEpochs, baselineEpochs < 1 { throw ValidationError("'--baseline-epochs' must be at least 1") }
    }

    func run() async throws {
        BLASKernel.restartWithFasterKernelIfNeeded()  // before any BLAS work
        BLASThreads.set(threads)
        let location = try CheckpointLocation(checkpoint, home: home)
        let folder = location.folder
        let registryHome = home.path.map(RegistryHome.init(path:)) ?? RegistryHome.fromEnvironment()
        var paths = data, corpusName: String?
        if let corpus { (corpusName, paths) = try Failure.reporting { try CorpusFile.read(path: corpus) } }
        var request = EvalRequest(checkpoint: folder, dataPaths: paths)
        request.corpusName = corpusName
        request.load = dataOptions.loadOptions
        request.splitProtocol = split.splitProtocol
        let masks: [Bool] = history == .both ? [true, false] : [history == .masked]
        request.modes = masks.map { EvaluationMode(negatives: negatives, sampling: sampling, maskHistory: $0) }
        request.ks = ks
        request.baselines = baselineList
        request.baselineEpochs = baselineEpochs
        request.sasrecLosses = baselineLoss.compactMap(LossKind.init)
        request.threads = threads
        request.seed = seed
        request.onValidation = validation
        request.keepRanks = ranks != nil
        request.cacheFolder = registryHome.path + "/cache/baselines"

        let display = ProgressDisplay(total: baselineEpochs ?? 100)
        // Ctrl-C while a baseline trains stops it (nothing is cached) and exits 128 + the signal, as train does.
        defer { if ProgressDisplay.interrupted { Foundation.exit(ProgressDisplay.interruptedExitStatus) } }
        let report = try Failure.reporting { try EvaluationRun.run(request) { display.handle($0) } }
        display.finish()
        if let ranks {
            struct Ranks: Encodable { let dataset: String, datasetFingerprint: String, users: [String], ranks: [String: [Int]] }
            try Failure.reporting {
                try JSONEncoder().encode(Ranks(dataset: report.dataset, datasetFingerprint: report.datasetFingerprint,
                                               users: report.users ?? [], ranks: report.ranks ?? [:]))
                    .write(to: URL(fileURLWithPath: ranks), options: .atomic)
            }
        }
        if !noSave { try Failure.reporting { try save(report, folder: folder, stored: location.stored.map { ($0.registry, $0.digest) }) } }
        if home.json { return try printJSON(report) }
        print(markdown ? EvalTable.markdown(report) : EvalTable.text(report))
    }

    /// eval.json (merged by dataset, protocol and mode) and eval-report.json beside the weights;
    /// for a registry reference, the registry's evaluations instead.
    func save(_ report: EvalReport, folder: String, stored: (Registry, Digest)?) throws {
        let own = report.modelEvaluations
        if let (registry, digest) = stored {
            for evaluation in own { try registry.addEvaluation(evaluation, for: digest) }
            return
        }
        let path = folder + "/eval.json"
        let existing = FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode([Evaluation].self, from: $0) } ?? []
        try Evaluation.encodeList(Evaluation.merged(existing, with: own)).write(to: URL(fileURLWithPath: path), options: .atomic)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: folder + "/eval-report.json"), options: .atomic)
    }
}

extension EvaluationMode.Sampling: ExpressibleByArgument {}
