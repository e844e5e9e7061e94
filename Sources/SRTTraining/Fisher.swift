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
            _ = lossAndGradients(sequences, batch: batch.count, length: length, rows: rows, negativesFrom: negativeCatalog(of: batch),
                                 training: false, rng: &rng)
            for i in 0..<sum.count { let g = Double(network.grads[i]); sum[i] += g * g }
            batches += 1
        }
        network.zeroGradients()
        return sum.map { Float($0 / Double(max(batches, 1))) }
    }
}
