import Dispatch

/// Work over a step's whole parameter vector (the optimizer, gradient clipping, summing workers'
/// gradients) runs between the parallel parts of a step; on one core it keeps the other cores
/// idle. These helpers split it across the step's workers, no more (a run with `--threads 1`
/// stays on one core).

/// Runs `body` on `workers` contiguous ranges that together cover 0..<count, at once. Elementwise
/// work split this way computes every element exactly as one loop over all of it would.
/// Ranges start on multiples of 16 elements so no two workers share a cache line.
public func forEachRange(count: Int, workers: Int, _ body: (Range<Int>) -> Void) {
    let n = min(workers, count / minimumElementsPerWorker)
    guard n > 1 else {
        body(0..<count)
        return
    }
    let bounds = (0...n).map { w in w == n ? count : (w * count / n) & ~15 }
    // The ranges are disjoint: what each call writes, no other reads.
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: n) { w in body(bounds[w]..<bounds[w + 1]) }
}

/// Below this many elements a worker costs more to start than it saves.
let minimumElementsPerWorker = 1 << 14

/// Σ x[i]² in Double, from partial sums over fixed chunks added in order: the same bits on any
/// number of workers.
public func sumOfSquares(_ x: UnsafePointer<Float>, count: Int, workers: Int) -> Double {
    let chunk = 1 << 15, chunks = (count + chunk - 1) / chunk
    let partials = UnsafeMutablePointer<Double>.allocate(capacity: max(chunks, 1))
    defer { partials.deallocate() }
    let n = max(1, min(workers, chunks))
    let sumChunks = { (w: Int) in
        for c in (w * chunks / n)..<((w + 1) * chunks / n) {
            var sum = 0.0
            for i in (c * chunk)..<min(count, (c + 1) * chunk) { sum += Double(x[i]) * Double(x[i]) }
            partials[c] = sum
        }
    }
    nonisolated(unsafe) let run = sumChunks  // each worker writes its own chunks' partials
    if n == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: n) { run($0) } }
    var total = 0.0
    for c in 0..<chunks { total += partials[c] }
    return total
}
