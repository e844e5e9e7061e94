/// Small dense least squares, for fits of a few coefficients over tens of points.
enum LeastSquares {
    /// Minimizes ‖X·w − y‖² over w (X given as columns), by the normal equations and Gaussian
    /// elimination with partial pivoting; nil when the columns are (nearly) dependent.
    static func solve(columns: [[Double]], y: [Double]) -> [Double]? {
        let k = columns.count
        var a = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: k)
        for i in 0..<k {
            for j in 0..<k { a[i][j] = dot(columns[i], columns[j]) }
            a[i][k] = dot(columns[i], y)
        }
        for c in 0..<k {
            guard let pivot = (c..<k).max(by: { abs(a[$0][c]) < abs(a[$1][c]) }), abs(a[pivot][c]) > 1e-300 else { return nil }
            a.swapAt(c, pivot)
            for r in 0..<k where r != c {
                let f = a[r][c] / a[c][c]
                for j in c...k { a[r][j] -= f * a[c][j] }
            }
        }
        let w = (0..<k).map { a[$0][k] / a[$0][$0] }
        return w.allSatisfy(\.isFinite) ? w : nil
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
        for i in y.indices {
            var fit = 0.0
            for (c, w) in zip(columns, weights) { fit += w * c[i] }
            total += (y[i] - fit) * (y[i] - fit)
        }
        return total
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
}
