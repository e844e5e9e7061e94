import Foundation
import SRTModel
import SRTTensor
import SRTTraining

/// `SRTBench train_step [--threads 2] [--steps N] [--json PATH] [--presets 64x2,…] [--losses ce,ssm:1000] [--parallel shards,blas]`: one training step (forward, loss,
/// backward, Adam) at batch 256, length 50, over a 12,101-item catalog (amazon-beauty's size), ID
/// item encoder as in PEERS.md's PyTorch SASRec, for presets 64x2, 128x4, 256x4; full-catalog CE at
/// all 50 positions, and sampled softmax with 1,000 shared negatives. Reports targets/s, the share
/// of time in sgemm, and GFLOP/s against an sgemm peak measured in the same run.
enum TrainStepBenchmark {
    static let presets: [(String, Int, Int, Int, Int)] = [("64x2", 2, 2, 64, 256), ("128x4", 4, 2, 128, 512), ("256x4", 4, 4, 256, 1024)]
    static let peers: [String: Double] = ["64x2": 8_245, "128x4": 5_145, "256x4": 2_661]  // PEERS.md full_all targets/s

    static func run(_ arguments: [String]) throws {
        let threads = option("--threads", in: arguments).flatMap(Int.init) ?? 2
        let steps = option("--steps", in: arguments).flatMap(Int.init) ?? 5
        let jsonPath = option("--json", in: arguments)
        let only = option("--presets", in: arguments).map { Set($0.split(separator: ",").map(String.init)) }
        let modesWanted = option("--parallel", in: arguments).map { Set($0.split(separator: ",").map(String.init)) }
        let lossesWanted = option("--losses", in: arguments).map { Set($0.split(separator: ",").map(String.init)) }
        // PyTorch's targets/s: measured in this run by bench/pytorch_step.py where it could be, else PEERS.md's.
        let peerFile = option("--pytorch", in: arguments)
        let peers = try peerFile.map(measuredPeers) ?? Self.peers
        BLASThreads.set(threads)
        let peak = sgemmPeak()  // with `threads` BLAS threads: the machine's GEMM ceiling
        print("sgemm peak (2048³, \(threads) thread(s), best of 5, OpenBLAS \(BLASKernel.current) kernels): \(String(format: "%.1f", peak)) GFLOP/s")
        print("PyTorch's figures: " + (peerFile.map { "measured on this machine in this run (\($0))" } ?? "PEERS.md's (measured on another machine of this kind)"))
        print("batch 256 × length 50 = 12,800 targets per step, 12,101 items; median of \(steps) steps after 2 warm-up")
        print("parallel: 'shards' = the batch split across \(threads) workers with 1-thread BLAS each (what `srthub train` does);")
        print("          'blas'   = one worker, OpenBLAS with \(threads) threads")
        print("loss      preset   parallel  s/step  targets/s  vs PyTorch  sgemm share  GFLOP/s (sgemm)  of peak")
        var rows: [[String: Any]] = []
        let modes = (threads > 1 ? ["shards", "blas"] : ["blas"]).filter { modesWanted?.contains($0) ?? true }
        for loss in [LossKind.fullCrossEntropy, .sampledSoftmax(negatives: 1000)] where lossesWanted?.contains(loss.description) ?? true {
            for (name, layers, heads, hidden, inner) in presets where only?.contains(name) ?? true {
                for mode in modes {
                    let shards = mode == "shards" ? threads : 1
                    BLASThreads.set(shards > 1 ? 1 : threads)
                    let r = measure(loss: loss, layers: layers, heads: heads, hidden: hidden, inner: inner, shards: shards, steps: steps)
                    let perSecond = 12_800 / r.seconds
                    let vsPeers = loss == .fullCrossEntropy ? peers[name].map { String(format: "%.2f×", perSecond / $0) } ?? "-" : "-"
                    // Thread-seconds in sgemm spread over the workers: the wall time the step spent in sgemm.
                    let sgemmWall = r.sgemmSeconds / Double(shards)
                    let gflops = r.flops / sgemmWall / 1e9
                    print("\(loss.description.padding(toLength: 9, withPad: " ", startingAt: 0)) \(name.padding(toLength: 7, withPad: " ", startingAt: 0)) "
                          + "\(mode.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                          + String(format: "%7.3f  %9.0f  %10@  %10.0f%%  %15.1f  %6.0f%%", r.seconds, perSecond, vsPeers as NSString,
                                   100 * sgemmWall / r.seconds, gflops, 100 * gflops / peak))
                    rows.append(["loss": loss.description, "preset": name, "parallel": mode, "workers": shards,
                                 "seconds_per_step": r.seconds, "targets_per_second": perSecond,
                                 "sgemm_share": sgemmWall / r.seconds, "sgemm_gflops": gflops, "peak_gflops": peak,
                                 "pytorch_targets_per_second": loss == .fullCrossEntropy ? peers[name] ?? 0 : 0])
                }
            }
        }
        if let jsonPath {
            try writeJSON(["benchmark": "train_step", "blas_kernel": BLASKernel.current, "pytorch_measured_here": peerFile != nil, "threads": threads, "steps": steps, "rows": rows], to: jsonPath)
            print("wrote \(jsonPath)")
        }
    }

    static func measure(loss: LossKind, layers: Int, heads: Int, hidden: Int, inner: Int, shards: Int, steps: Int)
        -> (seconds: Double, sgemmSeconds: Double, flops: Double) {
        let arch = Architecture(name: "bench", layers: layers, heads: heads, hidden: hidden, inner: inner, maxLength: 50)
        let items = 12_101, batch = 256, T = 50
        let network = Network(shape: ModelShape(architecture: arch, itemEncoder: ItemEncoderConfig(kind: .id), items: items), maxBatch: batch)
        let workspace = LossWorkspace(maxRows: batch * T, hidden: hidden)
        let sharded = shards > 1 ? ShardedGradients(network: network, shards: shards) : nil
        let m = FloatBuffer(count: network.params.count), v = FloatBuffer(count: network.params.count)
        var rng = RandomSource(seed: 1)
        let sequences = (0..<(batch * T)).map { _ in Int32(rng.nextInt(items)) }
        var rows = ScoredRows()
        for i in 0..<(batch * T) { rows.rows.append(Int32(i)); rows.targets.append(Int32(rng.nextInt(items))) }
        let logQ = [Float](repeating: -log(Float(items)), count: items)
        var times: [Double] = [], sgemm: [Double] = [], flops: [Double] = []
        for step in 0..<(steps + 2) {
            SGEMMProfile.reset()
            SGEMMProfile.enabled = true
            let start = DispatchTime.now().uptimeNanoseconds
            let negatives: [Int32] = loss == .fullCrossEntropy ? [] : (0..<1000).map { _ in Int32(rng.nextInt(items)) }
            if let sharded {
                _ = sharded.lossAndGradients(loss, sequences: sequences, batch: batch, rows: rows, inputs: LossInputs(sharedNegatives: negatives, logQ: logQ),
                                             training: true, rng: &rng)
            } else {
                _ = network.lossAndGradients(loss, sequences: sequences, batch: batch, rows: rows, workspace: workspace,
                                             inputs: LossInputs(sharedNegatives: negatives, logQ: logQ), training: true, rng: &rng)
            }
            adamStep(params: network.params.pointer, grads: network.grads.pointer, m: m.pointer, v: v.pointer,
                     count: network.params.count, lr: 1e-3, step: step + 1, settings: AdamSettings(), workers: shards)  // as `srthub train` steps
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            SGEMMProfile.enabled = false
            if step >= 2 {
                times.append(elapsed)
                sgemm.append(Double(SGEMMProfile.nanoseconds) / 1e9)
                flops.append(SGEMMProfile.flops)
            }
        }
        let i = times.indices.sorted { times[$0] < times[$1] }[times.count / 2]
        return (times[i], sgemm[i], flops[i])
    }

    /// Targets/s by preset from bench/pytorch_step.py's JSON.
    static func measuredPeers(_ path: String) throws -> [String: Double] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let rows = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        let pairs = rows.compactMap { row in
            (row["preset"] as? String).flatMap { p in (row["targets_per_second"] as? Double).map { (p, $0) } }
        }
        return Dictionary(pairs) { _, last in last }  // a preset asked for twice: its last figure
    }

    /// Best of 5 of a 2048×2048×2048 sgemm.
    static func sgemmPeak() -> Double {
        let n = 2048
        let a = FloatBuffer(count: n * n), b = FloatBuffer(count: n * n), c = FloatBuffer(count: n * n)
        for i in 0..<(n * n) { a[i] = Float(i % 7) * 0.1; b[i] = Float(i % 5) * 0.1 }
        var best = Double.infinity
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            matmul(c.pointer, a.pointer, b.pointer, m: n, n: n, k: n)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * pow(Double(n), 3) / best / 1e9
    }
}
