import Foundation
import SRTModel
import SRTTensor
import SRTTraining

/// `SRTBench loss_step --loss L --items N [--threads 2] [--steps 3] [--batch 128]`: one training
/// step (encode, forward, loss, backward, Adam) of the text encoder at srt-64x2, batch × length 50,
/// on a catalog of N items (random titles of 12 pieces from a 30,000-piece vocabulary, items drawn
/// with a popularity skew), with the loss's own negatives drawn as the trainer draws them (shared,
/// per row or per sequence; only the touched items encoded where the loss allows it). Prints one
/// JSON line: the median seconds per step and the process's peak resident memory. bench/losses.sh
/// runs one process per loss and size, so each peak belongs to one configuration.
enum LossStepBenchmark {
    static func run(_ arguments: [String]) throws {
        guard let spelled = option("--loss", in: arguments), let items = option("--items", in: arguments).flatMap(Int.init) else {
            throw BenchmarkError("usage: SRTBench loss_step --loss L --items N [--threads 2] [--steps 3] [--batch 128]")
        }
        let loss = try LossKind.parse(spelled)
        let threads = option("--threads", in: arguments).flatMap(Int.init) ?? 2
        let steps = option("--steps", in: arguments).flatMap(Int.init) ?? 3
        let batch = option("--batch", in: arguments).flatMap(Int.init) ?? 128
        BLASThreads.set(1)
        let seconds = measure(loss, items: items, batch: batch, threads: threads, steps: steps)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let row: [String: Any] = ["loss": loss.description, "items": items, "batch": batch, "threads": threads, "steps": steps,
                                  "seconds_per_step": seconds, "peak_rss_mb": Double(usage.ru_maxrss) / 1024]
        print(String(decoding: try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]), as: UTF8.self))
    }

    static func measure(_ loss: LossKind, items: Int, batch: Int, threads: Int, steps: Int) -> Double {
        let T = 50
        let function = loss.function
        var rng = RandomSource(seed: 1)
        let network = syntheticTextNetwork(items: items, batch: batch, threads: threads, rng: &rng)
        let sharded = threads > 1 ? ShardedGradients(network: network, shards: threads) : nil
        let workspace = threads > 1 ? nil : LossWorkspace(maxRows: batch * T, hidden: 64)
        let m = FloatBuffer(count: network.params.count), v = FloatBuffer(count: network.params.count)
        let logQ = [Float](repeating: -log(Float(items)), count: items)
        var times: [Double] = []
        for step in 0..<(steps + 1) {
            // Items drawn with a skew (squares of uniforms), as real sequences favour popular items.
            func draw() -> Int32 { let u = rng.nextFloat(); return Int32(Float(items - 1) * u * u) }
            var sequences = (0..<(batch * T)).map { _ in draw() }
            var rows = ScoredRows()
            for i in 0..<(batch * T) { rows.rows.append(Int32(i)); rows.targets.append(draw()) }
            var shared: [Int32] = []
            switch function.negatives {
            case .sharedPopularity(let k): shared = (0..<k).map { _ in draw() }
            case .unseenPerPosition(let k), .uniformPerPosition(let k): rows.negatives = (0..<(batch * T * k)).map { _ in Int32(rng.nextInt(items)) }
            case .unseenPerUser(let k):
                for _ in 0..<batch {
                    let user = (0..<k).map { _ in Int32(rng.nextInt(items)) }
                    for _ in 0..<T { rows.negatives += user }
                }
            case .none: break
            }
            let elapsed = seconds {
                var subset: [Int32]?, stepLogQ = logQ
                if !function.scoresWholeCatalog {
                    let touched = StepItems(touching: [sequences, rows.targets, rows.negatives, shared], catalogItems: items)
                    touched.renumber(&sequences)
                    touched.renumber(&rows.targets)
                    touched.renumber(&rows.negatives)
                    touched.renumber(&shared)
                    stepLogQ = touched.items.map { logQ[Int($0)] }
                    subset = touched.items
                }
                let inputs = LossInputs(sharedNegatives: shared, logQ: stepLogQ, population: items, seed: rng.next())
                if let sharded {
                    _ = sharded.lossAndGradients(loss, sequences: sequences, batch: batch, rows: rows, inputs: inputs, training: true,
                                                 itemSubset: subset, rng: &rng)
                } else {
                    _ = network.lossAndGradients(loss, sequences: sequences, batch: batch, rows: rows, workspace: workspace!, inputs: inputs,
                                                 training: true, itemSubset: subset, rng: &rng)
                }
                adamStep(params: network.params.pointer, grads: network.grads.pointer, m: m.pointer, v: v.pointer,
                         count: network.params.count, lr: 1e-3, step: step + 1, settings: AdamSettings())
            }
            if step >= 1 { times.append(elapsed) }
        }
        return median(times)
    }
}
