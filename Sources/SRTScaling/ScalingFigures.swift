import Foundation

/// The SRT paper's scaling figures over a sweep, as SVG files (name → document):
/// - fig4-by-parameters.svg / fig4-by-interactions.svg: every run's curve of validation NDCG against
///   FLOPs, coloured by its non-embedding parameters N or its data T, with the envelope (Fig. 4);
/// - fig5-envelope.svg: N and the seen interactions T of the runs on the envelope, against FLOPs (Fig. 5);
/// - fig6-compute-law.svg: the envelope and the fitted Eq. 3 (Fig. 6);
/// - held-out.svg (where the fit held runs out): each held-out run's metric against its prediction,
///   with one run's 95% interval and the law's, the diagonal and ±10% about it.
public enum ScalingFigures {
    public static func render(_ points: [ScalingPoint], fit: ScalingFit, metric: String) -> [String: String] {
        let envelope = ComputeLaw.envelope(points)
        let envelopeSeries = SVGChart.Series(label: "envelope", color: "#000000", points: envelope.map { ($0.flops, $0.metric) }, line: true, dots: true, dashed: true)
        func colored(by value: (ScalingPoint) -> Double, name: String) -> SVGChart {
            let logs = points.map { log(value($0)) }
            let (lo, hi) = (logs.min() ?? 0, logs.max() ?? 1)
            var chart = SVGChart(title: "\(metric) against FLOPs, coloured by \(name)", xLabel: "FLOPs (log)", yLabel: metric)
            // One legend entry per distinct value, the runs that share it drawn in its colour.
            var labelled = Set<Double>()
            for p in points.sorted(by: { value($0) < value($1) }) {
                let v = value(p), t = hi > lo ? (log(v) - lo) / (hi - lo) : 0.5
                let label = labelled.insert(v).inserted ? "\(name) \(String(format: "%.3g", v))" : ""
                chart.series.append(.init(label: label, color: SVGChart.ramp(t), points: p.curve.map { ($0.flops, $0.metric) }))
            }
            chart.series = chart.series.filter { !$0.label.isEmpty } + chart.series.filter { $0.label.isEmpty }
            chart.series.append(envelopeSeries)
            return chart
        }
        // Which run each envelope point came from: its N and T.
        var onEnvelope: [(flops: Double, n: Double, t: Double)] = []
        for e in envelope {
            if let run = points.first(where: { $0.curve.contains(e) }) {
                let share = run.flops > 0 ? e.flops / run.flops : 1
                onEnvelope.append((e.flops, run.parameters, run.interactions * share))
            }
        }
        var fig5 = SVGChart(title: "On the envelope: model size and data against FLOPs", xLabel: "FLOPs (log)", yLabel: "count (log)", yLog: true)
        fig5.series = [.init(label: "N (non-embedding)", color: "#1f5fbf", points: onEnvelope.map { ($0.flops, $0.n) }, line: true, dots: true),
                       .init(label: "T (seen interactions)", color: "#c0392b", points: onEnvelope.map { ($0.flops, $0.t) }, line: true, dots: true)]
        let law = fit.compute.law
        let (lo, hi) = (envelope.map(\.flops).min() ?? 1, envelope.map(\.flops).max() ?? 10)
        let grid = (0...60).map { lo * pow(hi * 10 / lo, Double($0) / 60) }
        var fig6 = SVGChart(title: String(format: "Eq. 3 fit: asymptote %.4f, R² %.3f", law.asymptote, fit.compute.rSquared), xLabel: "FLOPs (log)", yLabel: metric)
        fig6.series = [.init(label: "envelope", color: "#000000", points: envelope.map { ($0.flops, $0.metric) }, line: false, dots: true),
                       .init(label: "a/(1+e^(−k(lnF−c))) − d", color: "#c0392b", points: grid.map { ($0, law.predict(flops: $0)) })]
        var figures = ["fig4-by-parameters.svg": colored(by: \.parameters, name: "N").svg,
                       "fig4-by-interactions.svg": colored(by: \.interactions, name: "T").svg,
                       "fig5-envelope.svg": fig5.svg,
                       "fig6-compute-law.svg": fig6.svg]
        if !fit.heldOut.isEmpty { figures["held-out.svg"] = heldOut(fit.heldOut, metric: metric).svg }
        return figures
    }

    /// Predicted (x) against actual (y): a run on the diagonal was predicted exactly; each vertical bar
    /// is an interval at the run's prediction, which holds the run where it crosses its dot.
    static func heldOut(_ runs: [ScalingFit.HeldOut], metric: String) -> SVGChart {
        let values = runs.flatMap { [$0.actual, $0.predicted, $0.predictionInterval?.low, $0.predictionInterval?.high].compactMap { $0 } }
        let (lo, hi) = (values.min()! * 0.95, values.max()! * 1.05)
        let within = runs.filter { $0.relativeError <= 0.1 }.count
        var chart = SVGChart(title: "Held out: \(within) of \(runs.count) within 10% of the prediction", xLabel: "predicted \(metric)", yLabel: "actual \(metric)", xLog: false)
        chart.series = [.init(label: "actual = predicted", color: "#000000", points: [(lo, lo), (hi, hi)]),
                        .init(label: "±10%", color: "#888888", points: [(lo, lo * 1.1), (hi, hi * 1.1)], dashed: true),
                        .init(label: "", color: "#888888", points: [(lo, lo * 0.9), (hi, hi * 0.9)], dashed: true)]
        for (i, run) in runs.enumerated() {
            if let band = run.predictionInterval {
                chart.series.append(.init(label: i == 0 ? "one run's 95%" : "", color: "#9fb8e0", points: [(run.predicted, band.low), (run.predicted, band.high)]))
            }
            if let band = run.interval {
                chart.series.append(.init(label: i == 0 ? "the law's 95%" : "", color: "#1f5fbf", points: [(run.predicted, band.low), (run.predicted, band.high)]))
            }
        }
        chart.series.append(.init(label: "held-out run", color: "#c0392b", points: runs.map { ($0.predicted, $0.actual) }, line: false, dots: true))
        return chart
    }
}
