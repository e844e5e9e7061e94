import SRTModel
import SRTTensor

extension Trainer {
    /// The diagonal empirical Fisher information at the current weights, for EWC fine-tuning:
    /// the mean over training batches of the squared gradient of each batch's mean loss. Unlike
    /// the reference (which divides by 3,000 whatever the number of batches), this is a properly
    /// scaled average over the batches actually used. Dropout is off: the Fisher of the model as
    /// it is used. Returns one value per parameter, in layout order.
    public func fisher(maxBatches: Int = 3000) -> [Float] {
        let T = network.shape.architecture.maxLength
        var rng = RandomSource(seed: options.seed &+ 1)
        var order = Array(windows.indices)
        order.shuffle(using: &rng)
        var sum = [Double](repeating: 0, count: network.params.count)
        var batches = 0
        for batchStart in stride(from: 0, to: order.count, by: options.batch) where batches < maxBatches {
            let batch = order[batchStart..<min(batchStart + options.batch, order.count)]
            var sequences = [Int32](repeating: -1, count: network.maxBatch * T)
            var rows = ScoredRows()
            for (b, w) in batch.enumerated() {
                let items = Array(windows[w].items)
                for t in 0..<(items.count - 1) {
                    sequences[b * T + t] = items[t]
                    guard t + 1 >= windows[w].firstTarget else { continue }
                    rows.rows.append(Int32(b * T + t))
                    rows.targets.append(items[t + 1])
                    if options.loss == .binaryCrossEntropy { rows.negatives.append(sampleUnseen(windows[w].user, &rng)) }
                }
            }
            network.zeroGradients()
            network.encodeItems()
            network.forward(sequences, batch: network.maxBatch, training: false, rng: &rng)
            network.hiddenGradient.zero()
            var negatives: [Int32] = []
            if case .sampledSoftmax(let k) = options.loss { negatives = (0..<k).map { _ in samplePopular(&rng) } }
            _ = Loss.compute(options.loss, network: network, rows: rows, workspace: workspace, negatives: negatives, logQ: logQ)
            network.backward()
            network.encodeItemsBackward()
            for i in 0..<sum.count { let g = Double(network.grads[i]); sum[i] += g * g }
            batches += 1
        }
        network.zeroGradients()
        return sum.map { Float($0 / Double(max(batches, 1))) }
    }
}
