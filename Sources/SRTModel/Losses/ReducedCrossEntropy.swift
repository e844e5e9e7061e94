import Dispatch
import Foundation
import SRTTensor

/// `rece`: RECE's reduced cross-entropy (Gusak et al., CIKM 2024; ../shared/REFERENCE.md §2.2).
/// Each round draws a Gaussian projection B [buckets, C]; an item's bucket is argmax_b(B·w) and a
/// row's argmax_b(B·x). Items are ordered by bucket and cut into equal chunks of ⌈V/buckets⌉; a
/// row scores the chunk holding its bucket's items and `extra` chunks either side. Over all rounds a
/// row's candidates are the union of its windows: an item met in several windows contributes
/// exp(logit) once (the reference subtracts log(count) from each copy), the row's own target is
/// masked from them, and the target's exact logit is added. The loss is cross-entropy over that set.
///
/// One deliberate change from the reference: there a row meets the item chunk of the same rank in
/// the batch's bucket order, so its candidates depend on the other rows of the batch. Here a row
/// meets the chunk where its own bucket's items are: the same chunks when rows and items spread alike
/// over the buckets, and a row's candidates depend on it alone, so a batch split across workers
/// scores every row as one worker would.
struct ReducedCrossEntropy: TrainingLoss {
    let options: RECEOptions
    var negatives: NegativesPolicy { .none }
    var scoresWholeCatalog: Bool { true }
    var drawsInside: Bool { true }

    /// An upper bound: every window full, no item met twice. Bucketing the items and the rows, then
    /// scoring: the logits once to normalize and once more for the gradients, which take two products.
    func scoringFLOPs(rows: Double, hidden: Double, items: Double) -> ScoringFLOPs {
        let b = Double(options.bucketCount(items: Int(items), rows: Int(rows))), r = Double(options.rounds)
        let window = min(items, Double(2 * options.extra + 1) * (items / b).rounded(.up))
        return ScoringFLOPs(matrix: 2 * r * (items + rows) * b * hidden + 8 * rows * hidden * r * window, rowLoops: 6 * rows * hidden)
    }

    func check(items: Int, fewestUnseen: Int) throws(LossOptionError) {
        if let b = options.buckets, b > items {
            throw LossOptionError("'\(options)': \(b) buckets for \(items) items; use at most \(items) (or leave buckets out for the paper's formula)")
        }
        if let b = options.buckets, 2 * options.extra + 1 > b {
            throw LossOptionError("'\(options)': a window of 2·extra + 1 = \(2 * options.extra + 1) chunks is more than the \(b) buckets; use extra ≤ \((b - 1) / 2)")
        }
    }

    func prepare(network: Network, inputs: LossInputs, batchRows: Int) -> (any LossPreparation)? {
        RECEPlan(items: network.itemVectors.pointer, count: network.items, hidden: network.shape.architecture.hidden,
                 options: options, rows: batchRows, seed: inputs.seed)
    }

    public func sum(network: Network, rows: ScoredRows, inputs: LossInputs, prepared: (any LossPreparation)?,
                    workspace w: LossWorkspace, scale: Float) -> Double {
        let plan = prepared as! RECEPlan  // Loss.compute prepares it when the caller has not
        let c = network.shape.architecture.hidden, r = rows.count, v = network.items
        let items = network.itemVectors.pointer, itemGradients = network.itemGradients.pointer
        let centers = plan.heldCenters ?? plan.centerChunks(of: w.gathered.pointer, rows: r)
        var positive = [Float](repeating: 0, count: r)
        for i in 0..<r {
            let h = w.gathered.pointer + i * c, t = items + Int(rows.targets[i]) * c
            for j in 0..<c { positive[i] += h[j] * t[j] }
        }
        // Log-sum-exp over each row's candidates and target, kept online: running max and sum.
        var runningMax = positive, runningSum = [Float](repeating: 1, count: r)
        w.ensureOrderedItems(v * c)
        for round in 0..<plan.rounds {
            plan.orderItems(items, round: round, into: w.orderedItems.pointer)
            plan.forEachBlock(round: round, centers: centers, rows: rows, workspace: w) { block, window, logits in
                for (i, row) in block.enumerated() {
                    let x = logits + i * window.count
                    let shift = max(runningMax[row], maxReduce(x, count: window.count))
                    // A masked −∞ adds exp(−87) (fastExp's floor), nothing beside a sum of at least 1.
                    runningSum[row] = runningSum[row] * fastExp(runningMax[row] - shift) + expShiftSum(x, count: window.count, shift: shift)
                    runningMax[row] = shift
                }
            }
        }
        let logSumExp = (0..<r).map { runningMax[$0] + log(runningSum[$0]) }
        for round in 0..<plan.rounds {
            plan.orderItems(items, round: round, into: w.orderedItems.pointer)
            w.orderedItemGradients.pointer.update(repeating: 0, count: v * c)
            plan.forEachBlock(round: round, centers: centers, rows: rows, workspace: w) { block, window, logits in
                let n = block.count, width = window.count
                for (i, row) in block.enumerated() {
                    let x = logits + i * width
                    _ = expShiftSum(x, count: width, shift: logSumExp[row])
                    // The masked target's −∞ came out as fastExp's floor, exp(−87): make it exactly 0.
                    for j in 0..<width { x[j] = x[j] < 1e-37 ? 0 : x[j] * scale }
                }
                // dX = P·W_window, dW_window += Pᵀ·X, with the block's rows gathered in `vectors`.
                let windowItems = w.orderedItems.pointer + window.lowerBound * c
                matmul(w.vectorGradients.pointer, logits, windowItems, m: n, n: c, k: width)
                for (i, row) in block.enumerated() {
                    let d = w.gatheredGradient.pointer + row * c, g = w.vectorGradients.pointer + i * c
                    for j in 0..<c { d[j] += g[j] }
                }
                matmul(w.orderedItemGradients.pointer + window.lowerBound * c, logits, w.vectors.pointer, m: width, n: c, k: n,
                       transA: true, beta: 1)
            }
            for (position, item) in plan.order[round].enumerated() {
                let d = itemGradients + Int(item) * c, g = w.orderedItemGradients.pointer + position * c
                for j in 0..<c { d[j] += g[j] }
            }
        }
        var total = 0.0
        for i in 0..<r {
            total += Double(logSumExp[i] - positive[i])
            let dPositive = (fastExp(positive[i] - logSumExp[i]) - 1) * scale
            let h = w.gathered.pointer + i * c, dh = w.gatheredGradient.pointer + i * c
            let target = Int(rows.targets[i]), t = items + target * c, dt = itemGradients + target * c
            for j in 0..<c {
                dh[j] += dPositive * t[j]
                dt[j] += dPositive * h[j]
            }
        }
        return total
    }
}

/// One step's bucketed catalog, shared read-only by every worker: per round, the projection, the
/// items in bucket order, where each bucket starts, and each item's chunk.
final class RECEPlan: LossPreparation, @unchecked Sendable {
    let rounds, buckets, extra, hidden, chunkSize, chunks, items: Int
    let projections: [Float]  // [rounds, buckets, C]
    let order: [[Int32]]  // [rounds][V]
    let bucketStart: [[Int32]]  // [rounds][buckets + 1]
    /// Per round, [V × tableStride]: at each position of that round's order, the item's chunk in
    /// every round (padded to a multiple of 8 rounds).
    let chunkTable: [[Int16]]
    let tableStride: Int
    let logCount: [Float]  // log(n) for n = 0…rounds
    /// The rows' centre chunks to use instead of computing them (tests hold them fixed).
    var heldCenters: [[Int32]]?

    init(items vectors: UnsafePointer<Float>, count v: Int, hidden c: Int, options: RECEOptions, rows: Int, seed: UInt64) {
        rounds = options.rounds
        extra = options.extra
        hidden = c
        items = v
        buckets = options.bucketCount(items: v, rows: rows)
        chunkSize = (v + buckets - 1) / buckets
        chunks = (v + chunkSize - 1) / chunkSize
        var rng = RandomSource(seed: seed)
        let (rounds, buckets, chunkSize) = (self.rounds, self.buckets, self.chunkSize)
        let projections = (0..<(rounds * buckets * c)).map { _ in rng.nextGaussian() }
        self.projections = projections
        logCount = (0...rounds).map { log(Float(max($0, 1))) }
        // Rounds are independent: bucket them on all cores.
        var rounded = [(order: [Int32], start: [Int32], chunk: [Int32])](repeating: ([], [], []), count: rounds)
        nonisolated(unsafe) let source = vectors  // read only, by every round
        rounded.withUnsafeMutableBufferPointer { results in
            nonisolated(unsafe) let results = results  // each round writes its own element
            DispatchQueue.concurrentPerform(iterations: rounds) { round in
                results[round] = Self.bucket(source, count: v, hidden: c, projection: projections, round: round, buckets: buckets, chunkSize: chunkSize)
            }
        }
        let bucketed = rounded
        order = bucketed.map(\.order)
        bucketStart = bucketed.map(\.start)
        // Per round, in that round's order: every round's chunk of the item at each position, so a
        // window's duplicate counts read memory in sequence, eight rounds at a time.
        let stride = (rounds + 7) / 8 * 8
        tableStride = stride
        var tables = [[Int16]](repeating: [], count: rounds)
        tables.withUnsafeMutableBufferPointer { tables in
            nonisolated(unsafe) let tables = tables  // each round writes its own element
            DispatchQueue.concurrentPerform(iterations: rounds) { round in
                var table = [Int16](repeating: .min, count: v * stride)  // padding never within reach of a chunk
                for (position, item) in bucketed[round].order.enumerated() {
                    for other in 0..<rounds { table[position * stride + other] = Int16(bucketed[other].chunk[Int(item)]) }
                }
                tables[round] = table
            }
        }
        chunkTable = tables
    }

    /// One round: each item's bucket (argmax of the projection, in blocks of items), the items
    /// counting-sorted by bucket (each bucket in item order), where each bucket starts, each item's chunk.
    static func bucket(_ vectors: UnsafePointer<Float>, count v: Int, hidden c: Int, projection: [Float], round: Int, buckets: Int,
                       chunkSize: Int) -> (order: [Int32], start: [Int32], chunk: [Int32]) {
        let block = 1024
        var scores = [Float](repeating: 0, count: block * buckets)
        var bucketOf = [Int32](repeating: 0, count: v)
        projection.withUnsafeBufferPointer { p in
            for start in stride(from: 0, to: v, by: block) {
                let n = min(block, v - start)
                scores.withUnsafeMutableBufferPointer { s in
                    matmul(s.baseAddress!, vectors + start * c, p.baseAddress! + round * buckets * c, m: n, n: buckets, k: c, transB: true)
                    for i in 0..<n { bucketOf[start + i] = Int32(argmax(s.baseAddress! + i * buckets, count: buckets)) }
                }
            }
        }
        var start = [Int32](repeating: 0, count: buckets + 1)
        for b in bucketOf { start[Int(b) + 1] += 1 }
        for b in 0..<buckets { start[b + 1] += start[b] }
        var next = start, sorted = [Int32](repeating: 0, count: v), chunk = [Int32](repeating: 0, count: v)
        for item in 0..<v {
            let position = Int(next[Int(bucketOf[item])])
            next[Int(bucketOf[item])] += 1
            sorted[position] = Int32(item)
            chunk[item] = Int32(position / chunkSize)
        }
        return (sorted, start, chunk)
    }

    /// The first index of the largest value (ties go to the first bucket, as the reference's argmax).
    static func argmax(_ x: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for i in 1..<count where x[i] > x[best] { best = i }
        return best
    }

    /// Each row's centre chunk per round, [rounds][R]: the chunk holding the middle of its bucket's
    /// items (where the bucket would be, when no item fell in it).
    func centerChunks(of rows: UnsafePointer<Float>, rows r: Int) -> [[Int32]] {
        var scores = [Float](repeating: 0, count: max(r, 1) * buckets)
        return (0..<rounds).map { round in
            scores.withUnsafeMutableBufferPointer { s in
                projections.withUnsafeBufferPointer { p in
                    matmul(s.baseAddress!, rows, p.baseAddress! + round * buckets * hidden, m: r, n: buckets, k: hidden, transB: true)
                }
                return (0..<r).map { i in
                    let b = Self.argmax(s.baseAddress! + i * buckets, count: buckets)
                    let middle = (Int(bucketStart[round][b]) + Int(bucketStart[round][b + 1])) / 2
                    return Int32(min(middle, items - 1) / chunkSize)
                }
            }
        }
    }

    /// Copies the item vectors into this round's bucket order, [V, C].
    func orderItems(_ vectors: UnsafePointer<Float>, round: Int, into buffer: UnsafeMutablePointer<Float>) {
        for (position, item) in order[round].enumerated() {
            (buffer + position * hidden).update(from: vectors + Int(item) * hidden, count: hidden)
        }
    }

    /// One row's logits against a window: −∞ where the item is the row's target, and each other
    /// logit reduced by log(how many of the row's windows hold the item; its own round's always does).
    static func correct(_ logits: UnsafeMutablePointer<Float>, positions: Range<Int>, target: Int32, order: [Int32], table: [Int16],
                        own: [SIMD8<Int16>], extra: Int, logCount: [Float]) {
        let reach = SIMD8<Int16>(repeating: Int16(extra)), below = SIMD8<Int16>(repeating: Int16(-extra)), one = SIMD8<Int16>(repeating: 1), none = SIMD8<Int16>(repeating: 0)
        let stride = own.count * 8
        order.withUnsafeBufferPointer { order in
            table.withUnsafeBufferPointer { table in
                logCount.withUnsafeBufferPointer { logCount in
                    for j in 0..<positions.count {
                        let position = positions.lowerBound + j
                        if order[position] == target { logits[j] = -.infinity; continue }
                        let chunks = UnsafeRawPointer(table.baseAddress! + position * stride)
                        var windows = none
                        for group in 0..<own.count {
                            let distance = chunks.loadUnaligned(fromByteOffset: group * 16, as: SIMD8<Int16>.self) &- own[group]
                            windows &+= none.replacing(with: one, where: distance .<= reach .& distance .>= below)
                        }
                        logits[j] -= logCount[Int(windows.wrappedSum())]
                    }
                }
            }
        }
    }

    /// Calls `body` for blocks of up to 256 rows that share a window in this round, with the rows'
    /// vectors gathered in `workspace.vectors` and their logits against the window's items
    /// [rows, window] (ordered items must be in `workspace.orderedItems`). A logit is already reduced
    /// by log(how many of the row's windows hold the item), and −∞ where the item is the row's target.
    func forEachBlock(round: Int, centers: [[Int32]], rows: ScoredRows, workspace w: LossWorkspace,
                      _ body: (_ block: [Int], _ window: Range<Int>, _ logits: UnsafeMutablePointer<Float>) -> Void) {
        let c = hidden
        let byCenter = (0..<rows.count).sorted { centers[round][$0] < centers[round][$1] }
        let widest = min(items, (2 * extra + 1) * chunkSize)
        w.ensureVectors(256 * c)
        w.ensureLogits(256 * widest)
        // The row's centre chunk in every round, eight rounds to a vector (padding matches nothing).
        var own = [SIMD8<Int16>](repeating: SIMD8(repeating: 0), count: tableStride / 8)
        var start = 0
        while start < byCenter.count {
            let center = Int(centers[round][byCenter[start]])
            var end = start
            while end < byCenter.count && end - start < 256 && Int(centers[round][byCenter[end]]) == center { end += 1 }
            let block = Array(byCenter[start..<end])
            let window = (max(center - extra, 0) * chunkSize)..<min((min(center + extra, chunks - 1) + 1) * chunkSize, items)
            for (i, row) in block.enumerated() { (w.vectors.pointer + i * c).update(from: w.gathered.pointer + row * c, count: c) }
            let logits = w.logits.pointer, width = window.count
            matmul(logits, w.vectors.pointer, w.orderedItems.pointer + window.lowerBound * c, m: block.count, n: width, k: c, transB: true)
            for (i, row) in block.enumerated() {
                for other in 0..<rounds { own[other / 8][other % 8] = Int16(centers[other][row]) }
                Self.correct(logits + i * width, positions: window, target: rows.targets[row], order: order[round], table: chunkTable[round],
                             own: own, extra: extra, logCount: logCount)
            }
            body(block, window, logits)
            start = end
        }
    }
}

/// RECE's settings: `rece`, `rece:buckets=N,extra=E,rounds=R` (any of them).
public struct RECEOptions: Sendable, Equatable, CustomStringConvertible {
    /// Buckets per round; nil: the paper's memory-optimal count for each batch (`bucketCount`).
    public var buckets: Int?
    /// Chunks scored on either side of a row's own (the reference's n_ec).
    public var extra = 1
    /// Rounds of fresh projections whose candidates are pooled.
    public var rounds = 8

    public init(buckets: Int? = nil, extra: Int = 1, rounds: Int = 8) {
        self.buckets = buckets
        self.extra = extra
        self.rounds = rounds
    }

    /// The README's n_b = ⌊√(4·(1 + 2·extra)·min(V, rows))⌋ (one bucket per chunk), at most V.
    public func bucketCount(items: Int, rows: Int) -> Int {
        let formula = Int((4 * Double(1 + 2 * extra) * Double(min(items, max(rows, 1)))).squareRoot())
        return min(max(buckets ?? formula, 1), max(items, 1), Self.maxBuckets)
    }

    /// Chunk numbers are kept in 16 bits (the duplicate counts' table).
    public static let maxBuckets = Int(Int16.max)

    public var description: String {
        let defaults = RECEOptions()
        var parts: [String] = []
        if let buckets { parts.append("buckets=\(buckets)") }
        if extra != defaults.extra { parts.append("extra=\(extra)") }
        if rounds != defaults.rounds { parts.append("rounds=\(rounds)") }
        return parts.isEmpty ? "rece" : "rece:" + parts.joined(separator: ",")
    }

    static func parse(_ text: String) throws(LossOptionError) -> RECEOptions {
        var options = RECEOptions()
        for (key, value) in try LossOptionError.pairs(text, loss: "rece", keys: ["buckets", "extra", "rounds"]) {
            let ranges = ["buckets": 1...RECEOptions.maxBuckets, "extra": 0...64, "rounds": 1...128]
            guard let n = Int(value), ranges[key]!.contains(n) else {
                throw LossOptionError("'rece:\(text)': \(key) must be a whole number from \(ranges[key]!.lowerBound) to \(ranges[key]!.upperBound), got '\(value)'")
            }
            switch key {
            case "buckets": options.buckets = n
            case "extra": options.extra = n
            default: options.rounds = n
            }
        }
        return options
    }
}
