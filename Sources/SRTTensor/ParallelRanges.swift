import Dispatch

// Work over a step's whole parameter vector (the optimizer, gradient clipping, summing workers'
// gradients, the text encoder's pooling) runs between the parallel parts of a step; on one core it
// keeps the other cores idle. These helpers split it across the step's workers, no more (a run with
// `--threads 1` stays on one core).

/// Runs `body` on `parts` contiguous ranges that together cover 0..<count, at once (one part: on
/// this thread). Inner boundaries are multiples of `alignment`. Elementwise work split this way
/// computes every element exactly as one loop over all of it would.
public func forEachPart(of count: Int, parts: Int, alignment: Int = 1, _ body: (Range<Int>) -> Void) {
    guard parts > 1 else { return body(0..<count) }
    let bounds = (0...parts).map { p in p == parts ? count : (p * count / parts) / alignment * alignment }
    // The parts are disjoint: what one call writes, no other touches.
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: parts) { p in body(bounds[p]..<bounds[p + 1]) }
}

/// `forEachPart` over `workers` parts of a long vector, fewer where a part would be too short to pay
/// for its thread; parts start on 64-byte lines so no two workers write the same one.
public func forEachRange(count: Int, workers: Int, _ body: (Range<Int>) -> Void) {
    forEachPart(of: count, parts: min(workers, count / minimumElementsPerWorker), alignment: 16, body)
}

/// Below this many elements a worker costs more to start than it saves.
let minimumElementsPerWorker = 1 << 14

/// Σ x[i]² in Double, from partial sums over fixed chunks added in order: the same bits on any
/// number of workers.
public func sumOfSquares(_ x: UnsafePointer<Float>, count: Int, workers: Int) -> Double {
    let chunk = 1 << 15, chunks = (count + chunk - 1) / chunk
    let partials = UnsafeMutablePointer<Double>.allocate(capacity: max(chunks, 1))
    defer { partials.deallocate() }
    nonisolated(unsafe) let x = x
    forEachPart(of: chunks, parts: min(workers, chunks)) { part in
        for c in part {
            var sum = 0.0
            for i in (c * chunk)..<min(count, (c + 1) * chunk) { sum += Double(x[i]) * Double(x[i]) }
            partials[c] = sum
        }
    }
    var total = 0.0
    for c in 0..<chunks { total += partials[c] }
    return total
}
