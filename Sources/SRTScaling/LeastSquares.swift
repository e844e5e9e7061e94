/// Small dense least squares, for fits of a few coefficients over tens of points.
enum LeastSquares {
    /// Minimizes ‖X·w − y‖² over w (X given as columns), by the normal equations and Gaussian
    /// elimination with partial pivoting; nil when the columns are (nearly) dependent.
    static func solve(columns: [[Double]], y: [Double]) -> [Double]? {
        // One flat k × (k + 1) matrix and index loops: fits run this thousands of times, in debug
        // builds (the tests) too, where nested arrays and closures cost more than the arithmetic.
        let k = columns.count, width = k + 1
        var a = [Double](repeating: 0, count: k * width)
        for i in 0..<k {
            for j in i..<k {
                let g = dot(columns[i], columns[j])
                a[i * width + j] = g
                a[j * width + i] = g
            }
            a[i * width + k] = dot(columns[i], y)
        }
        for c in 0..<k {
            var pivot = c
            for r in (c + 1)..<max(c + 1, k) where abs(a[r * width + c]) > abs(a[pivot * width + c]) { pivot = r }
            guard abs(a[pivot * width + c]) > 1e-300 else { return nil }
            if pivot != c { for j in 0..<width { a.swapAt(c * width + j, pivot * width + j) } }
            for r in 0..<k where r != c {
                let f = a[r * width + c] / a[c * width + c]
                for j in c..<width { a[r * width + j] -= f * a[c * width + j] }
            }
        }
        var w = [Double](repeating: 0, count: k)
        for i in 0..<k {
            w[i] = a[i * width + k] / a[i * width + i]
            guard w[i].isFinite else { return nil }
        }
        return w
    }

    /// Non-negative least squares for a handful of columns: every subset of columns is solved
    /// unconstrained, and the best solution whose coefficients are all ≥ 0 wins (exact; 2^k solves).
    static func nonNegative(columns: [[Double]], y: [Double]) -> (weights: [Double], sse: Double)? {
        let k = columns.count
        // Where the unconstrained minimum is feasible it is the constrained one too (most cells of a grid).
        if let w = solve(columns: columns, y: y), w.allSatisfy({ $0 >= 0 }) { return (w, sse(columns: columns, weights: w, y: y)) }
        var best: (weights: [Double], sse: Double)?
        for mask in 0..<(1 << k) {
            let chosen = (0..<k).filter { mask & (1 << $0) != 0 }
            var weights = [Double](repeating: 0, count: k)
            if !chosen.isEmpty {
                guard let w = solve(columns: chosen.map { columns[$0] }, y: y), w.allSatisfy({ $0 >= 0 }) else { continue }
                for (i, c) in chosen.enumerated() { weights[c] = w[i] }
            }
            let e = sse(columns: columns, weights: weights, y: y)
            if best == nil || e < best!.sse { best = (weights, e) }
        }
        return best
    }

    static func sse(columns: [[Double]], weights: [Double], y: [Double]) -> Double {
        var total = 0.0
        for i in 0..<y.count {
            var fit = 0.0
            for c in 0..<columns.count { fit += weights[c] * columns[c][i] }
            total += (y[i] - fit) * (y[i] - fit)
        }
        return total
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var total = 0.0
        for i in 0..<min(a.count, b.count) { total += a[i] * b[i] }
        return total
    }
}
