/// Exact accounting of a training step's matrix products, from the architecture, the batch and
/// the loss (2 FLOPs per multiply-add; element-wise work such as softmax, GELU, LayerNorm is left
/// out, as the scaling-law literature counts). The loss's scoring counts whether it runs as matrix
/// products or as per-row dot products (`TrainingLoss.scoringFLOPs`). A test checks the matrix
/// products against those the step actually computes (`SGEMMProfile`).
///
/// Legend: B sequences, T length (the batch's longest input), C hidden, F inner, L layers, R
/// scored positions, U items encoded for the step (the whole catalog for full CE, the touched
/// items for sampled losses), NF·E the pooled text width.
public enum StepAccounting {
    /// Forward and backward of one step (`Network.lossAndGradients`).
    public static func trainingFLOPs(_ shape: ModelShape, batch: Int, length: Int, rows: Int, encodedItems: Int, loss: LossKind) -> Double {
        let a = shape.architecture
        let (B, T, C, F, R, U) = (Double(batch), Double(length), Double(a.hidden), Double(a.inner), Double(rows), Double(encodedItems))
        let M = B * T
        // A linear layer: 2·m·in·out forward, twice that backward (input and weight gradients).
        func linear(_ m: Double, _ inputs: Double, _ outputs: Double) -> Double { 6 * m * inputs * outputs }
        var flops = 0.0
        if shape.itemEncoder.kind == .text {
            flops += linear(U, Double(shape.itemEncoder.fields.count * shape.itemEncoder.tokenEmbedding), C)  // the adapter
        }
        // Per layer: qkv, output projection, the two feed-forward layers, and attention's four
        // T×T×C products per sequence forward (scores, weighted values) and eight backward.
        let layer = linear(M, C, 3 * C) + linear(M, C, C) + linear(M, C, F) + linear(M, F, C) + 12 * B * T * T * C
        flops += Double(a.layers) * layer
        return flops + loss.function.scoringFLOPs(rows: R, hidden: C, items: U).total
    }
}
