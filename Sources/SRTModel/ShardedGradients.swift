import Dispatch
import SRTTensor

/// Data-parallel gradients across CPU cores: a batch's sequences are split into one shard per
/// worker; each worker runs forward, loss and backward on its shard with single-threaded BLAS
/// into its own gradients, and the gradients are summed into the primary network's.
///
/// Why not let OpenBLAS thread each product: this model's GEMMs are skinny (64–256 wide), where
/// two BLAS threads gain little, and everything between the GEMMs (the softmax over the whole
/// catalog, LayerNorm, GELU, the attention heads' small products) would run on one core.
/// `bench/train_step` measures both ways.
///
/// Call it with OpenBLAS set to one thread (`BLASThreads.set(1)`): workers already fill the cores.
/// The result depends on the shard count (dropout draws come from one seed per shard), so a run is
/// reproducible from its seed and thread count.
public final class ShardedGradients: @unchecked Sendable {
    public let network: Network
    let replicas: [Network]
    let workspaces: [LossWorkspace]

    /// `shards` ≥ 2 workers; `network` is the first and keeps the parameters. Every worker holds
    /// as many sequences as `network` does, so batches of up to `shards × network.maxBatch` fit
    /// (size `network` by the shard, not by the batch).
    public init(network: Network, shards: Int) {
        precondition(shards >= 2)
        self.network = network
        let perShard = network.maxBatch
        let a = network.shape.architecture
        replicas = (1..<shards).map { _ in Network(replicaOf: network, maxBatch: perShard) }
        workspaces = (0..<shards).map { _ in LossWorkspace(maxRows: perShard * a.maxLength, hidden: a.hidden) }
    }

    public var shards: Int { replicas.count + 1 }

    /// The same contract as `Network.lossAndGradients`: on return `network.grads` holds the
    /// gradient of the mean loss over all `rows`, which it returns.
    public func lossAndGradients(
        _ kind: LossKind, sequences: [Int32], batch: Int, length: Int? = nil, rows: ScoredRows,
        inputs: LossInputs = LossInputs(), training: Bool, itemSubset: [Int32]? = nil, tokenDropout: TokenDropout? = nil,
        rng: inout RandomSource
    ) -> Float {
        let T = length ?? network.shape.architecture.maxLength
        let count = min(shards, batch)
        guard count >= 2 else {
            return network.lossAndGradients(kind, sequences: sequences, batch: batch, length: T, rows: rows, workspace: workspaces[0],
                                            inputs: inputs, training: training, itemSubset: itemSubset, tokenDropout: tokenDropout, rng: &rng)
        }
        let bounds = (0...count).map { $0 * batch / count }  // shard s holds sequences bounds[s]..<bounds[s+1]
        let shardRows = split(rows, bounds: bounds, length: T)
        let seeds = (0..<count).map { _ in rng.next() }
        let workers = [network] + replicas
        network.encodeItems(only: itemSubset, dropping: tokenDropout, workers: count)
        // Work the loss shares across workers (RECE's bucketed catalog) is done once, here.
        let prepared = kind.function.prepare(network: network, inputs: inputs, batchRows: rows.count)
        let losses = FloatBuffer(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { s in
            let worker = workers[s]
            if s > 0 { worker.followItems(of: network) }
            worker.zeroGradients()
            var random = RandomSource(seed: seeds[s])
            worker.forward(Array(sequences[(bounds[s] * T)..<(bounds[s + 1] * T)]), batch: bounds[s + 1] - bounds[s], length: T,
                           training: training, rng: &random)
            worker.hiddenGradient.zero()
            losses[s] = Loss.compute(kind, network: worker, rows: shardRows[s], workspace: workspaces[s], inputs: inputs,
                                     normalizer: rows.count, prepared: prepared)
            worker.backward()
        }
        let sources = Array(replicas.prefix(count - 1))
        sum(sources.map(\.grads), into: network.grads, count: network.grads.count, workers: count)
        sum(sources.map(\.itemGradients), into: network.itemGradients, count: network.items * network.shape.architecture.hidden, workers: count)
        network.encodeItemsBackward(workers: count)
        var total = 0.0
        for s in 0..<count { total += Double(losses[s]) * Double(shardRows[s].count) }
        return rows.count == 0 ? 0 : Float(total / Double(rows.count))
    }

    /// Each shard's rows, re-indexed from the batch's positions to the shard's own.
    func split(_ rows: ScoredRows, bounds: [Int], length: Int) -> [ScoredRows] {
        var shards = [ScoredRows](repeating: ScoredRows(), count: bounds.count - 1)
        let k = rows.negativesPerRow
        for r in 0..<rows.count {
            let sequence = Int(rows.rows[r]) / length
            let s = bounds.lastIndex { $0 <= sequence }!
            shards[s].rows.append(rows.rows[r] - Int32(bounds[s] * length))
            shards[s].targets.append(rows.targets[r])
            shards[s].negatives.append(contentsOf: rows.negatives[(r * k)..<((r + 1) * k)])
        }
        return shards
    }

    /// target[i] += each source's [i], in the sources' order, for i < count.
    func sum(_ sources: [FloatBuffer], into target: FloatBuffer, count: Int, workers: Int) {
        let t = target.pointer
        forEachRange(count: count, workers: workers) { part in
            for source in sources {
                let s = source.pointer
                for i in part { t[i] += s[i] }
            }
        }
    }
}
