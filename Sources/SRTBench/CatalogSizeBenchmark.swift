import Foundation
import SRTModel
import SRTTensor
import SRTTraining

/// `SRTBench catalog_size [--threads 2] [--steps N] [--json PATH] [--sizes 12101,138204]`: one
/// training step (forward, loss, backward, Adam) of the text encoder at srt-64x2, batch 128 ×
/// length 50, sampled softmax with 1,000 popularity-like negatives, on catalogs of each size
/// (random titles of 12 pieces from a 30,000-piece vocabulary). Two ways: encoding only the items
/// the step touches (what `srthub train` does) and encoding the whole catalog every step (before).
/// Reports steps/s and the ratio between the smallest and each larger catalog.
enum CatalogSizeBenchmark {
    static func run(_ arguments: [String]) throws {
        let threads = option("--threads", in: arguments).flatMap(Int.init) ?? 2
        let steps = option("--steps", in: arguments).flatMap(Int.init) ?? 10
        let sizes = option("--sizes", in: arguments).map { $0.split(separator: ",").compactMap { Int($0) } } ?? [12_101, 138_204]
        let jsonPath = option("--json", in: arguments)
        BLASThreads.set(1)
        print("srt-64x2 text encoder, batch 128 × length 50, ssm:1000, \(threads) workers; median of \(steps) steps after 2 warm-up")
        print("items      encoding       s/step  steps/s  vs \(sizes[0]) items")
        var rows: [[String: Any]] = []
        var smallest: [Bool: Double] = [:]
        for items in sizes {
            for touched in [true, false] {
                let s = measure(items: items, onlyTouched: touched, threads: threads, steps: steps)
                if items == sizes[0] { smallest[touched] = s }
                let ratio = s / smallest[touched]!
                print("\(String(items).padding(toLength: 10, withPad: " ", startingAt: 0)) \((touched ? "touched only" : "whole catalog").padding(toLength: 14, withPad: " ", startingAt: 0)) "
                      + String(format: "%6.3f  %7.2f  %.2f× the time", s, 1 / s, ratio))
                rows.append(["items": items, "encoding": touched ? "touched" : "whole", "seconds_per_step": s, "steps_per_second": 1 / s,
                             "time_ratio_to_smallest": ratio])
            }
        }
        if let jsonPath {
            try writeJSON(["benchmark": "catalog_size", "threads": threads, "steps": steps, "rows": rows], to: jsonPath)
            print("wrote \(jsonPath)")
        }
    }

    static func measure(items: Int, onlyTouched: Bool, threads: Int, steps: Int) -> Double {
        let batch = 128, T = 50
        var rng = RandomSource(seed: 1)
        let network = syntheticTextNetwork(items: items, batch: batch, threads: threads, rng: &rng)
        let sharded = threads > 1 ? ShardedGradients(network: network, shards: threads) : nil
        let workspace = LossWorkspace(maxRows: batch * T, hidden: 64)
        let m = FloatBuffer(count: network.params.count), v = FloatBuffer(count: network.params.count)
        let logQ = [Float](repeating: -log(Float(items)), count: items)
        var times: [Double] = []
        for step in 0..<(steps + 2) {
            // Items drawn with a skew (squares of uniforms), as real sequences favour popular items.
            func draw() -> Int32 { let u = rng.nextFloat(); return Int32(Float(items - 1) * u * u) }
            var sequences = (0..<(batch * T)).map { _ in draw() }
            var rows = ScoredRows()
            for i in 0..<(batch * T) { rows.rows.append(Int32(i)); rows.targets.append(draw()) }
            var negatives = (0..<1000).map { _ in draw() }
            let elapsed = seconds {
                var subset: [Int32]?
                var stepLogQ = logQ
                if onlyTouched {
                    let touched = StepItems(touching: [sequences, rows.targets, negatives], catalogItems: items)
                    touched.renumber(&sequences)
                    touched.renumber(&rows.targets)
                    touched.renumber(&negatives)
                    stepLogQ = touched.items.map { logQ[Int($0)] }
                    subset = touched.items
                }
                if let sharded {
                    _ = sharded.lossAndGradients(.sampledSoftmax(negatives: 1000), sequences: sequences, batch: batch, rows: rows,
                                                 inputs: LossInputs(sharedNegatives: negatives, logQ: stepLogQ), training: true, itemSubset: subset, rng: &rng)
                } else {
                    _ = network.lossAndGradients(.sampledSoftmax(negatives: 1000), sequences: sequences, batch: batch, rows: rows,
                                                 workspace: workspace, inputs: LossInputs(sharedNegatives: negatives, logQ: stepLogQ), training: true,
                                                 itemSubset: subset, rng: &rng)
                }
                adamStep(params: network.params.pointer, grads: network.grads.pointer, m: m.pointer, v: v.pointer,
                         count: network.params.count, lr: 1e-3, step: step + 1, settings: AdamSettings())
            }
            if step >= 2 { times.append(elapsed) }
        }
        return median(times)
    }
}
