import Foundation

/// One run as the laws see it: non-embedding parameters N, seen interactions T, FLOPs spent, the
/// metric at its best validation epoch, and its curve (FLOPs and metric after each epoch).
public struct ScalingPoint: Codable, Sendable, Equatable {
    public var name: String
    public var parameters: Double
    public var interactions: Double
    public var flops: Double
    public var metric: Double
    public var curve: [CurvePoint]

    public struct CurvePoint: Codable, Sendable, Equatable {
        public var flops: Double
        public var metric: Double
        public init(flops: Double, metric: Double) { (self.flops, self.metric) = (flops, metric) }
    }

    public init(name: String, parameters: Double, interactions: Double, flops: Double, metric: Double, curve: [CurvePoint] = []) {
        (self.name, self.parameters, self.interactions, self.flops, self.metric, self.curve) = (name, parameters, interactions, flops, metric, curve)
    }
}

/// The SRT paper's Eq. 4/5: metric(N, T) = E − A / N^α − B / T^β, E, A, B ≥ 0, fitted by
/// non-negative least squares for each (α, β) on a grid, the grid refined around its best cell.
public struct ParameterDataLaw: Codable, Sendable, Equatable {
    public var e: Double, a: Double, alpha: Double, b: Double, beta: Double

    public func predict(parameters n: Double, interactions t: Double) -> Double { e - a / pow(n, alpha) - b / pow(t, beta) }

    public static let coefficients = 5

    public static func fit(_ points: [ScalingPoint]) -> (law: ParameterDataLaw, sse: Double)? {
        let y = points.map(\.metric), ones = points.map { _ in 1.0 }
        let logN = points.map { log($0.parameters) }, logT = points.map { log($0.interactions) }
        func at(_ alpha: Double, _ beta: Double) -> (ParameterDataLaw, Double)? {
            let columns = [ones, logN.map { -exp(-alpha * $0) }, logT.map { -exp(-beta * $0) }]
            guard let (w, sse) = LeastSquares.nonNegative(columns: columns, y: y) else { return nil }
            return (ParameterDataLaw(e: w[0], a: w[1], alpha: alpha, b: w[2], beta: beta), sse)
        }
        return Grid.search2(from: (exponents.lowerBound, exponents.lowerBound), to: (exponents.upperBound, exponents.upperBound), evaluate: at)
    }

    /// Where α and β are searched; a fit at either end is not pinned down by its runs.
    public static let exponents = 0.02...1.5
}

/// The SRT paper's Eq. 3: metric(FLOPs) = a / (1 + e^(−k (ln FLOPs − c))) − d, over the envelope of
/// every run's curve (the best metric reached at or below each compute); a and d by least squares
/// for each (k, c) on a grid, refined. Its asymptote is a − d.
public struct ComputeLaw: Codable, Sendable, Equatable {
    public var a: Double, k: Double, c: Double, d: Double
    public var asymptote: Double { a - d }

    public func predict(flops: Double) -> Double { a / (1 + exp(-k * (log(flops) - c))) - d }

    public static let coefficients = 4

    public static func fit(_ envelope: [ScalingPoint.CurvePoint]) -> (law: ComputeLaw, sse: Double)? {
        let x = envelope.map { log($0.flops) }, y = envelope.map(\.metric)
        guard let lo = x.min(), let hi = x.max() else { return nil }
        func at(_ k: Double, _ c: Double) -> (ComputeLaw, Double)? {
            let s = x.map { 1 / (1 + exp(-k * ($0 - c))) }
            guard let (w, sse) = LeastSquares.nonNegative(columns: [s, x.map { _ in -1.0 }], y: y) else { return nil }
            return (ComputeLaw(a: w[0], k: k, c: c, d: w[1]), sse)
        }
        return Grid.search2(from: (0.01, lo - 10), to: (3, hi + 10), evaluate: at)
    }

    /// The envelope: the points of all curves that no point of less or equal compute beats.
    public static func envelope(_ points: [ScalingPoint]) -> [ScalingPoint.CurvePoint] {
        var best = -Double.infinity
        var out: [ScalingPoint.CurvePoint] = []
        for p in points.flatMap(\.curve).sorted(by: { ($0.flops, -$0.metric) < ($1.flops, -$1.metric) }) where p.metric > best {
            best = p.metric
            out.append(p)
        }
        return out
    }
}

/// A 2-D grid search, then four refinements on a finer grid around the best cell, each a quarter of
/// the last one's spacing, never outside the first grid's bounds (the laws' two nonlinear
/// coefficients; the rest are linear given them). A coefficient at a bound means the data do not
/// pin it down there.
enum Grid {
    static func search2<T>(from lo: (Double, Double), to hi: (Double, Double),
                           evaluate: (Double, Double) -> (T, Double)?) -> (law: T, sse: Double)? {
        let (floor, ceiling) = (lo, hi)
        var (lo, hi) = (lo, hi)
        var steps = 24
        var best: (T, Double, Double, Double)?
        for _ in 0..<5 {
            let dx = (hi.0 - lo.0) / Double(steps), dy = (hi.1 - lo.1) / Double(steps)
            for i in 0...steps {
                for j in 0...steps {
                    let (x, y) = (lo.0 + Double(i) * dx, lo.1 + Double(j) * dy)
                    if let (law, sse) = evaluate(x, y), best == nil || sse < best!.1 { best = (law, sse, x, y) }
                }
            }
            guard let b = best else { return nil }
            lo = (max(floor.0, b.2 - 1.5 * dx), max(floor.1, b.3 - 1.5 * dy))
            hi = (min(ceiling.0, b.2 + 1.5 * dx), min(ceiling.1, b.3 + 1.5 * dy))
            steps = 12
        }
        return best.map { ($0.0, $0.1) }
    }
}
