import Foundation

/// A small SVG line-and-point chart with linear or logarithmic axes, tick labels and a legend:
/// enough for the scaling figures, with no dependency.
struct SVGChart {
    struct Series {
        var label: String
        var color: String
        var points: [(x: Double, y: Double)]
        var line = true
        var dots = false
        var dashed = false
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var xLog = true
    var yLog = false
    var series: [Series] = []

    static let width = 760.0, height = 480.0, left = 80.0, right = 200.0, top = 50.0, bottom = 60.0

    var svg: String {
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        let xs = series.flatMap { $0.points.map(\.x) }.filter { $0.isFinite && (!xLog || $0 > 0) }
        let ys = series.flatMap { $0.points.map(\.y) }.filter { $0.isFinite && (!yLog || $0 > 0) }
        let (xTicks, yTicks) = (Self.ticks(xs, log: xLog), Self.ticks(ys, log: yLog))
        let (x0, x1) = (xTicks.first ?? 0, xTicks.last ?? 1), (y0, y1) = (yTicks.first ?? 0, yTicks.last ?? 1)
        func scale(_ v: Double, _ lo: Double, _ hi: Double, log: Bool) -> Double {
            log ? (Foundation.log10(v) - Foundation.log10(lo)) / max(Foundation.log10(hi) - Foundation.log10(lo), 1e-12) : (v - lo) / max(hi - lo, 1e-12)
        }
        func px(_ x: Double) -> Double { Self.left + scale(x, x0, x1, log: xLog) * plotWidth }
        func py(_ y: Double) -> Double { Self.top + plotHeight - scale(y, y0, y1, log: yLog) * plotHeight }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(Self.height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Self.left)" y="28" font-size="15">\(Self.escaped(title))</text>
            <rect x="\(Self.left)" y="\(Self.top)" width="\(f(plotWidth))" height="\(f(plotHeight))" fill="none" stroke="#444"/>

            """
        for t in xTicks {
            out += "<line x1=\"\(f(px(t)))\" x2=\"\(f(px(t)))\" y1=\"\(Self.top)\" y2=\"\(f(Self.top + plotHeight))\" stroke=\"#e4e4e4\"/>"
            out += "<text x=\"\(f(px(t)))\" y=\"\(f(Self.top + plotHeight + 18))\" text-anchor=\"middle\">\(Self.label(t, log: xLog))</text>\n"
        }
        for t in yTicks {
            out += "<line x1=\"\(Self.left)\" x2=\"\(f(Self.left + plotWidth))\" y1=\"\(f(py(t)))\" y2=\"\(f(py(t)))\" stroke=\"#e4e4e4\"/>"
            out += "<text x=\"\(f(Self.left - 6))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(Self.label(t, log: yLog))</text>\n"
        }
        out += "<text x=\"\(f(Self.left + plotWidth / 2))\" y=\"\(f(Self.height - 18))\" text-anchor=\"middle\">\(Self.escaped(xLabel))</text>\n"
        out += "<text transform=\"translate(18 \(f(Self.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escaped(yLabel))</text>\n"
        var legendRow = 0
        for s in series {
            let visible = s.points.filter { $0.x.isFinite && $0.y.isFinite && (!xLog || $0.x > 0) && (!yLog || $0.y > 0) }
            if s.line && visible.count > 1 {
                let path = visible.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.6\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
            }
            if s.dots { for p in visible { out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3\" fill=\"\(s.color)\"/>" } }
            guard !s.label.isEmpty else { out += "\n"; continue }  // drawn in a labelled series' colour
            let ly = Self.top + 8 + Double(legendRow) * 17
            legendRow += 1
            out += "\n<line x1=\"\(f(Self.width - Self.right + 12))\" x2=\"\(f(Self.width - Self.right + 34))\" y1=\"\(f(ly))\" y2=\"\(f(ly))\" stroke=\"\(s.color)\" stroke-width=\"\(s.line ? 2 : 6)\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")/>"
            out += "<text x=\"\(f(Self.width - Self.right + 40))\" y=\"\(f(ly + 4))\">\(Self.escaped(s.label))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Powers of ten spanning the data (log), or about five round steps (linear).
    static func ticks(_ values: [Double], log: Bool) -> [Double] {
        guard let lo = values.min(), let hi = values.max() else { return [0, 1] }
        if log {
            let a = Foundation.floor(Foundation.log10(lo)), b = Foundation.ceil(Foundation.log10(hi))
            return stride(from: a, through: max(b, a + 1), by: 1).map { pow(10, $0) }
        }
        let span = max(hi - lo, abs(hi) * 1e-6, 1e-12)
        let raw = span / 5, magnitude = pow(10, Foundation.floor(Foundation.log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw }!
        let first = Foundation.floor(lo / step) * step
        return stride(from: first, through: Foundation.ceil(hi / step) * step + step / 2, by: step).map { $0 }
    }

    static func label(_ v: Double, log: Bool) -> String {
        if log { return "1e\(Int(Foundation.log10(v).rounded()))" }
        return String(format: abs(v) < 0.1 && v != 0 ? "%.3f" : "%.2f", v)
    }

    /// A color from a blue-to-red ramp for a value's position in [0, 1].
    static func ramp(_ t: Double) -> String {
        let c = min(max(t, 0), 1)
        return String(format: "#%02x%02x%02x", Int(40 + 200 * c), Int(80 + 40 * (1 - abs(2 * c - 1))), Int(220 - 180 * c))
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
