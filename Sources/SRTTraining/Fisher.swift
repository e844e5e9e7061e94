import SRTModel
import SRTTensor

extension Trainer {
    /// The diagonal empirical Fisher information at the current weights, for EWC fine-tuning:
    /// the mean over training batches of the squared gradient of each batch's mean loss. Unlike
    /// the reference (which divides by 3,000 whatever the number of batches), this is a properly
    /// scaled average over the batches actually used. Dropout is off: the Fisher of the model as
    /// it is used. Returns one value per parameter, in layout order.
    public func fisher(maxBatches: Int = 3000) -> [Float] {
        var rng = RandomSource(seed: options.seed &+ 1)
        var batches = 0
        var sum = [Double](repeating: 0, count: network.params.count)
        for batch in makeBatches(&rng) where batches < maxBatches {
            let (sequences, length, rows) = assemble(batch, rng: &rng)
            network.zeroGradients()
            network.encodeItems()
            network.forward(sequences, batch: batch.count, length: length, training: false, rng: &rng)
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
