import ArgumentParser
import Foundation
import SRTRegistry
import SRTScaling

/// The options every command over a sweep's fit takes.
struct SweepFitOptions: ParsableArguments {
    @Option(help: "The sweep's name (its runs are tagged NAME:…).") var name: String
    @Option(help: "Bootstrap resamples of the runs for the 95% intervals.") var bootstrap = 300
    @Option(help: "Share of the runs, the largest by FLOPs, left out of a second fit and predicted by it.") var heldOut = 0.25
    @Option(help: ArgumentHelp("Eq. 4's metric: validation_ndcg@10 (every run records it), or a key of an evaluation stored with each run on its own data, e.g. ndcg@5.",
                               discussion: "With a stored evaluation's key, --mode picks the evaluation, e.g. 'sampled 10000 uniform, history masked' after srthub eval TAG --data DATA --negatives 10000 (the SRT paper's metric is ndcg@5 there)."))
    var metric = ScalingPoints.Metric.validation
    @Option(help: "The stored evaluation's mode, as srthub show lists it.") var mode = "full, history masked"
    @Option(help: "The stored evaluation's split: test, or validation (srthub eval --validation).") var split = ScalingPoints.Metric.Split.test

    var chosenMetric: ScalingPoints.Metric { ScalingPoints.Metric(key: metric, mode: mode, split: split) }

    func validate() throws {
        if bootstrap < 20 { throw ValidationError("'--bootstrap' must be at least 20, got \(bootstrap)") }
        if !(heldOut > 0 && heldOut < 0.5) { throw ValidationError("'--held-out' must be above 0 and below 0.5, got \(heldOut)") }
    }

    func fit(_ home: HomeOptions) throws -> (fit: ScalingFit, points: [ScalingPoint], runs: [Registry.StoredRun], seconds: [Double]) {
        let registry = try home.open()
        let (points, runs, seconds) = try Failure.reporting { try ScalingPoints.read(sweep: name, registry: registry, metric: chosenMetric) }
        let fit = try Failure.reporting { try ScalingFit.fit(points, bootstrap: bootstrap, heldOutFraction: heldOut) }
        return (fit, points, runs, seconds)
    }
}

struct ScalingFitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit the SRT paper's two laws over a sweep's runs, with 95% bootstrap intervals, R² and a held-out check.",
        discussion: "Eq. 4's metric is each run's best validation NDCG@10 (history masked) unless --metric names a stored evaluation's; Eq. 3 fits the validation curves, recorded after every epoch. The report names the metric.")

    @OptionGroup var options: SweepFitOptions
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let (fit, _, _, _) = try options.fit(home)
        let metric = options.chosenMetric.description
        if home.json { return try printJSON(ScalingReport(sweep: options.name, metric: metric, fit: fit)) }
        print(ScalingReport.text(fit, sweep: options.name, metric: metric))
    }
}

/// What `fit --json` prints: the fit and what it was fitted on.
struct ScalingReport: Encodable {
    let schema = "srthub.scaling-fit.v1"
    let sweep: String
    let metric: String
    let fit: ScalingFit

    static func text(_ fit: ScalingFit, sweep: String, metric: String) -> String {
        func f(_ x: Double) -> String { String(format: abs(x) >= 1000 || (abs(x) < 0.001 && x != 0) ? "%.3g" : "%.4f", x) }
        func ci(_ name: String, _ intervals: [String: ScalingFit.Interval]) -> String {
            intervals[name].map { "[\(f($0.low)), \(f($0.high))]" } ?? "— (too few runs)"
        }
        let pd = fit.parameterData, cl = fit.compute
        var lines = ["sweep \(sweep): \(fit.runs) runs; metric: \(metric)", ""]
        lines.append("Eq. 4  NDCG(N, T) = E − A/N^α − B/T^β   (R² \(String(format: "%.3f", pd.rSquared)), \(pd.points) runs)")
        for (name, value, paper) in [("E", pd.law.e, 0.163), ("A", pd.law.a, 18.56), ("alpha", pd.law.alpha, 0.376), ("B", pd.law.b, 2.9), ("beta", pd.law.beta, 0.364)] {
            let inside = pd.intervals[name].map { $0.contains(paper) ? "inside" : "outside" } ?? "?"
            let bounds = ParameterDataLaw.exponents
            let atBound = ["alpha", "beta"].contains(name) && (value == bounds.lowerBound || value == bounds.upperBound)
                ? "  AT THE SEARCH BOUND: these runs do not pin it down" : ""
            lines.append("  \(name.padding(toLength: 6, withPad: " ", startingAt: 0)) \(f(value).padding(toLength: 10, withPad: " ", startingAt: 0)) 95% \(ci(name, pd.intervals).padding(toLength: 24, withPad: " ", startingAt: 0)) paper \(f(paper)) (\(inside))\(atBound)")
        }
        lines.append("")
        lines.append("Eq. 3  NDCG(FLOPs) = a/(1 + e^(−k(ln FLOPs − c))) − d   (R² \(String(format: "%.3f", cl.rSquared)), \(cl.points) envelope points)")
        for (name, value) in [("a", cl.law.a), ("k", cl.law.k), ("c", cl.law.c), ("d", cl.law.d), ("asymptote", cl.law.asymptote)] {
            lines.append("  \(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(f(value).padding(toLength: 10, withPad: " ", startingAt: 0)) 95% \(ci(name, cl.intervals))")
        }
        lines.append("  paper: a 0.396, k 0.18, c 24.44, d 0.247 (asymptote 0.149), on NDCG@5 against 10,000 sampled negatives")
        lines.append("")
        if fit.heldOut.isEmpty {
            lines.append("held out: too few runs to leave the largest out and still fit the rest")
        } else {
            lines.append("held out (the largest runs by FLOPs, predicted by a fit of the others; 95% intervals of the law, and for one run: the law and a run's scatter):")
            func band(_ interval: ScalingFit.Interval?, _ actual: Double) -> String {
                interval.map { "[\(f($0.low)), \(f($0.high))]" + ($0.contains(actual) ? "" : " (outside)") } ?? "(none: too few runs)"
            }
            for h in fit.heldOut {
                lines.append("  \(h.name.padding(toLength: 22, withPad: " ", startingAt: 0)) actual \(f(h.actual))  predicted \(f(h.predicted))  law \(band(h.interval, h.actual))  run \(band(h.predictionInterval, h.actual))  error \(String(format: "%.1f", h.relativeError * 100))%")
            }
            if let c = fit.leaveOneOut {
                lines.append("  leave-one-out over the \(c.runs) fitted runs: the law's interval covers \(c.coveredByLaw), a run's interval \(c.coveredByPrediction) (95% intervals should cover about \(Int((0.95 * Double(c.runs)).rounded())))")
            }
        }
        return lines.joined(separator: "\n")
    }
}

struct ScalingSuggest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggest",
        abstract: "The compute-optimal preset and data size for a FLOP budget (or minutes on this machine), from the sweep's Eq. 4 fit.",
        discussion: """
            For each preset in the sweep, T = budget / its FLOPs per seen interaction (measured on its runs; \
            seen interactions count every epoch, so T beyond the data means more epochs of it), \
            and Eq. 4 predicts NDCG(N, T) with the bootstrap's 95% interval; the best prediction wins. \
            --minutes converts with the FLOP rate the sweep's runs reached here. A budget outside the \
            FLOPs the fit saw is an extrapolation, and says so.
            """)

    @OptionGroup var options: SweepFitOptions
    @Option(help: "The FLOP budget.") var flops: Double?
    @Option(help: "Minutes of training on this machine, instead of --flops.") var minutes: Double?
    @OptionGroup var home: HomeOptions

    func validate() throws {
        guard (flops == nil) != (minutes == nil) else { throw ValidationError("pass either '--flops X' or '--minutes M'") }
        if let flops, !(flops > 0) { throw ValidationError("'--flops' must be positive") }
        if let minutes, !(minutes > 0) { throw ValidationError("'--minutes' must be positive") }
    }

    struct Candidate: Encodable {
        let preset: String
        let nonEmbeddingParameters: Double
        let interactions: Double
        let predicted: Double
        /// The law's 95% interval, and one run's (the law's and a run's scatter about it).
        let interval: ScalingFit.Interval?
        let runInterval: ScalingFit.Interval?
    }

    struct Suggestion: Encodable {
        let schema = "srthub.scaling-suggest.v1"
        let flops: Double
        let flopsPerSecond: Double?
        let extrapolation: Bool
        let best: Candidate
        let candidates: [Candidate]
    }

    func run() async throws {
        let (fit, points, runs, seconds) = try options.fit(home)
        var perSecond: Double?
        if minutes != nil {
            let spent = seconds.reduce(0, +)
            guard spent > 0 else {
                throw Failure.report(RegistryError(.badCheckpoint, "the sweep's runs carry no epoch times", hint: "pass --flops instead of --minutes"))
            }
            perSecond = runs.reduce(0) { $0 + $1.facts.flops } / spent
        }
        let budget = flops ?? minutes! * 60 * perSecond!
        // FLOPs per seen interaction, per preset, from its runs.
        var byPreset: [String: (n: Double, flopsPerInteraction: [Double])] = [:]
        for (run, point) in zip(runs, points) {
            let preset = run.facts.architecture ?? point.name
            byPreset[preset, default: (point.parameters, [])].flopsPerInteraction.append(run.facts.flops / Double(max(run.facts.seenInteractions, 1)))
        }
        // The bootstrap's laws give each prediction its interval.
        let laws = try ScalingFit.bootstrapLaws(points, samples: options.bootstrap)
        let candidates = byPreset.sorted { $0.key < $1.key }.map { preset, entry in
            let rate = entry.flopsPerInteraction.reduce(0, +) / Double(entry.flopsPerInteraction.count)
            let t = budget / rate
            let draws = laws.map { $0.predict(parameters: entry.n, interactions: t) }
            return Candidate(preset: preset, nonEmbeddingParameters: entry.n, interactions: t,
                             predicted: fit.parameterData.law.predict(parameters: entry.n, interactions: t),
                             interval: ScalingFit.interval(draws), runInterval: ScalingFit.predictionInterval(draws, fittedTo: points, law: fit.parameterData.law))
        }.sorted { $0.predicted > $1.predicted }
        let extrapolation = !fit.flopsRange.contains(budget)
        let suggestion = Suggestion(flops: budget, flopsPerSecond: perSecond, extrapolation: extrapolation, best: candidates[0], candidates: candidates)
        if home.json { return try printJSON(suggestion) }
        print(String(format: "budget %.3g FLOPs", budget) + (perSecond.map { String(format: " (%.3g FLOP/s measured on the sweep's runs)", $0) } ?? ""))
        if extrapolation {
            print(String(format: "EXTRAPOLATION: the fit saw runs of %.3g to %.3g FLOPs; predictions outside that range are guesses", fit.flopsRange.low, fit.flopsRange.high))
        }
        for c in candidates {
            let band = c.interval.map { String(format: " law [%.4f, %.4f]", $0.low, $0.high) } ?? " (no interval: too few runs)"
            let run = c.runInterval.map { String(format: " run [%.4f, %.4f]", $0.low, $0.high) } ?? ""
            print("  \(c.preset.padding(toLength: 14, withPad: " ", startingAt: 0)) N \(Int(c.nonEmbeddingParameters))  T \(String(format: "%.3g", c.interactions)) seen interactions  predicted NDCG@10 \(String(format: "%.4f", c.predicted))\(band)\(run)")
        }
        print("best: \(candidates[0].preset) on \(String(format: "%.3g", candidates[0].interactions)) seen interactions")
    }
}

struct ScalingPlotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Write the paper's scaling figures for a sweep as SVG files: its Fig. 4 (by N and by T), Fig. 5 and Fig. 6, and the held-out check.")

    @OptionGroup var options: SweepFitOptions
    @Option(help: "Folder to write the SVG files into (created).") var out: String
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let (fit, points, _, _) = try options.fit(home)
        let figures = ScalingFigures.render(points, fit: fit, metric: "validation NDCG@10")  // the curves are validation's, whatever Eq. 4 fits
        try Failure.reporting {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            for (name, svg) in figures { try svg.write(toFile: out + "/" + name, atomically: true, encoding: .utf8) }
        }
        let paths = figures.keys.sorted().map { out + "/" + $0 }
        if home.json { return try printJSON(["schema": "srthub.scaling-plot.v1", "files": paths.joined(separator: ",")]) }
        for path in paths { print("wrote \(path)") }
    }
}

extension ScalingPoints.Metric.Split: ExpressibleByArgument {}
