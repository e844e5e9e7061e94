import Foundation
import SRTTraining

/// A checkpoint's training curves as one SVG: validation NDCG@10 per epoch (history masked, solid;
/// unmasked, dashed) above the training loss, on a shared epoch axis; fine-tuning stages are
/// separated by vertical lines and named, and the kept (best) epoch is marked.
struct CurvePlot {
    let title: String
    let epochs: [EpochSummary]

    static let width = 760.0, panelHeight = 200.0, left = 70.0, right = 30.0, top = 50.0, gap = 60.0

    var svg: String {
        let plotWidth = Self.width - Self.left - Self.right
        let stageCount = epochs.reduce(into: [String]()) { if let s = $1.stage, s != $0.last { $0.append(s) } }.count
        let height = Self.top + 2 * Self.panelHeight + Self.gap + 50 + Double(stageCount) * 16 + (stageCount > 0 ? 10 : 0)
        let n = epochs.count
        func x(_ epoch: Int) -> Double { Self.left + (n <= 1 ? plotWidth / 2 : Double(epoch - 1) / Double(n - 1) * plotWidth) }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Self.left)" y="22" font-size="15">\(escaped(title))</text>

            """
        let validation = epochs.map(\.validationNDCG10)
        let unmasked = epochs.compactMap(\.validationUnmaskedNDCG10)
        let loss = epochs.map(\.trainLoss)
        let panels: [(name: String, series: [(values: [Double], dash: Bool, label: String)], top: Double)] = [
            ("validation NDCG@10", [(validation, false, "history masked")] + (unmasked.count == n ? [(unmasked, true, "unmasked")] : []), Self.top),
            ("training loss", [(loss, false, "mean over the epoch's targets")], Self.top + Self.panelHeight + Self.gap),
        ]
        for panel in panels {
            let all = panel.series.flatMap(\.values).filter(\.isFinite)
            let ticks = Self.ticks(low: all.min() ?? 0, high: all.max() ?? 1)
            let (low, high) = (ticks.first!, ticks.last!)
            func y(_ v: Double) -> Double { panel.top + Self.panelHeight - (v - low) / max(high - low, 1e-12) * Self.panelHeight }
            out += "<text x=\"\(Self.left)\" y=\"\(f(panel.top - 8))\" font-weight=\"bold\">\(panel.name)</text>\n"
            out += "<rect x=\"\(Self.left)\" y=\"\(panel.top)\" width=\"\(plotWidth)\" height=\"\(Self.panelHeight)\" fill=\"none\" stroke=\"#444\"/>\n"
            for tick in ticks {
                out += "<line x1=\"\(Self.left - 4)\" x2=\"\(Self.left + plotWidth)\" y1=\"\(f(y(tick)))\" y2=\"\(f(y(tick)))\" stroke=\"#ddd\"/>"
                out += "<text x=\"\(Self.left - 6)\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(Self.label(tick, step: ticks[1] - ticks[0]))</text>\n"
            }
            for (i, series) in panel.series.enumerated() {
                let color = series.dash ? "#e07b28" : "#1f5fa8", dash = series.dash ? " stroke-dasharray=\"6 4\"" : ""
                let points = series.values.enumerated().filter { $0.element.isFinite }.map { "\(f(x($0.offset + 1))),\(f(y($0.element)))" }
                out += "<polyline class=\"series\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash) points=\"\(points.joined(separator: " "))\"/>\n"
                // The legend sits on the panel's title line, clear of the curves.
                let legendX = Self.left + 200 + Double(i) * 170, legendY = panel.top - 8
                out += "<line x1=\"\(f(legendX))\" x2=\"\(f(legendX + 24))\" y1=\"\(f(legendY - 4))\" y2=\"\(f(legendY - 4))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>"
                out += "<text x=\"\(f(legendX + 30))\" y=\"\(f(legendY))\">\(series.label)</text>\n"
            }
            if panel.top == Self.top, let best = validation.indices.max(by: { validation[$0] < validation[$1] }) {
                out += "<circle class=\"best\" cx=\"\(f(x(best + 1)))\" cy=\"\(f(y(validation[best])))\" r=\"5\" fill=\"#c0392b\"/>"
                let anchor = x(best + 1) > Self.left + 0.75 * plotWidth ? "end" : x(best + 1) < Self.left + 0.25 * plotWidth ? "start" : "middle"
                out += "<text x=\"\(f(x(best + 1)))\" y=\"\(f(y(validation[best]) + 20))\" text-anchor=\"\(anchor)\" fill=\"#c0392b\">best \(String(format: "%.4f", validation[best])) (epoch \(best + 1))</text>\n"
            }
        }
        // Stages: a line before each stage's first epoch, numbered; their names are listed under the axis.
        var stages: [String] = []
        for (i, epoch) in epochs.enumerated() where epoch.stage != nil && epoch.stage != stages.last {
            stages.append(epoch.stage!)
            let at = i == 0 ? Self.left : (x(i) + x(i + 1)) / 2
            out += "<line class=\"stage\" x1=\"\(f(at))\" x2=\"\(f(at))\" y1=\"\(Self.top)\" y2=\"\(f(Self.top + 2 * Self.panelHeight + Self.gap))\" stroke=\"#888\" stroke-dasharray=\"3 3\"/>"
            out += "<text x=\"\(f(at + 4))\" y=\"\(f(Self.top + 14))\" fill=\"#555\" font-size=\"11\">stage \(stages.count)</text>\n"
        }
        let axisY = Self.top + 2 * Self.panelHeight + Self.gap
        for epoch in Self.epochTicks(n) {
            out += "<text x=\"\(f(x(epoch)))\" y=\"\(f(axisY + 18))\" text-anchor=\"middle\">\(epoch)</text>"
        }
        out += "\n<text x=\"\(f(Self.left + plotWidth / 2))\" y=\"\(f(axisY + 38))\" text-anchor=\"middle\">epoch</text>\n"
        for (i, stage) in stages.enumerated() {
            out += "<text class=\"stage-name\" x=\"\(Self.left)\" y=\"\(f(axisY + 60 + Double(i) * 16))\" fill=\"#555\">stage \(i + 1): \(escaped(stage))</text>\n"
        }
        return out + "</svg>\n"
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }

    func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// About five round values covering low…high (1, 2 or 5 times a power of ten apart).
    static func ticks(low: Double, high: Double) -> [Double] {
        let span = high > low ? high - low : max(abs(high), 1) * 0.1
        let raw = span / 4, power = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        let first = (low / step).rounded(.down) * step
        var ticks: [Double] = []
        var t = first
        while t < high + step * 0.999 || ticks.count < 2 {
            ticks.append(t)
            t += step
        }
        return ticks
    }

    static func label(_ value: Double, step: Double) -> String {
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        return String(format: "%.\(decimals)f", value)
    }

    /// Up to about ten epoch labels: 1, the last, and round numbers between.
    static func epochTicks(_ n: Int) -> [Int] {
        guard n > 1 else { return [1] }
        let step = [1, 2, 5, 10, 20, 50, 100, 200, 500].first { n / $0 <= 10 } ?? n
        return Array(Set([1, n] + stride(from: step, to: n, by: step))).sorted()
    }
}
