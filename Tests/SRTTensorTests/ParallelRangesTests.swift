import Testing
import SRTTensor

/// The whole-vector work of a step split across workers must touch each element once and, for
/// the norm, give the same bits on any number of workers.
@Suite struct ParallelRangesTests {
    @Test(arguments: [0, 1, 15, 16_383, 16_384, 32_768, 100_003, 1_000_000])
    func everyElementIsVisitedOnceOnAnyNumberOfWorkers(count: Int) {
        for workers in [1, 2, 3, 8] {
            let visits = UnsafeMutablePointer<Int32>.allocate(capacity: max(count, 1))
            defer { visits.deallocate() }
            visits.initialize(repeating: 0, count: max(count, 1))
            forEachRange(count: count, workers: workers) { part in
                for i in part { visits[i] += 1 }
            }
            let wrong = (0..<count).filter { visits[$0] != 1 }
            #expect(wrong.isEmpty, "\(count) elements on \(workers) workers: \(wrong.count) not visited exactly once, first \(wrong.first ?? -1)")
        }
    }

    @Test func aRangeSplitsOnlyWhereEachWorkerGetsEnough() {
        var parts: [Range<Int>] = []
        forEachRange(count: 20_000, workers: 2) { parts.append($0) }  // too few for two: one range, on this thread
        #expect(parts == [0..<20_000])
    }

    @Test func theSumOfSquaresHasTheSameBitsOnAnyNumberOfWorkers() {
        var rng = RandomSource(seed: 5)
        let count = 300_007
        let x = (0..<count).map { _ in rng.nextGaussian() * 3 }
        var naive = 0.0
        for v in x { naive += Double(v) * Double(v) }
        x.withUnsafeBufferPointer { x in
            let one = sumOfSquares(x.baseAddress!, count: count, workers: 1)
            #expect(abs(one - naive) <= 1e-12 * naive, "chunked \(one) against one running sum \(naive)")
            for workers in [2, 3, 4, 16] {
                let many = sumOfSquares(x.baseAddress!, count: count, workers: workers)
                #expect(many.bitPattern == one.bitPattern, "\(workers) workers: \(many), one worker: \(one)")
            }
        }
    }
}
