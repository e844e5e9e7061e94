import Testing
@testable import SRTModel
import SRTTensor

/// Workers split the text encoder's pooling by columns of the token width; every float must come
/// out as one worker computes it, forward and backward, with pieces dropped or not.
@Suite struct ItemEncodingWorkersTests {
    static let items = 37, pieces = 5, vocabulary = 11

    static func network() -> Network {
        let architecture = Architecture(name: "tiny", layers: 1, heads: 1, hidden: 8, inner: 8, maxLength: 4, hiddenDropout: 0, attentionDropout: 0)
        var encoder = ItemEncoderConfig(kind: .text, fields: ["title", "brand"], maxPieces: [pieces, pieces], vocabularySize: vocabulary, tokenEmbedding: 40)
        encoder.itemIDs = true
        let net = Network(shape: ModelShape(architecture: architecture, itemEncoder: encoder, items: items), maxBatch: 1, seed: 3)
        var rng = RandomSource(seed: 9)
        for i in 0..<net.params.count { net.params[i] += 0.3 * rng.nextGaussian() }
        // Each field holds 0 to `pieces` pieces, −1 after the last; items share pieces.
        var ids: [Int32] = []
        for _ in 0..<(items * 2) {
            let length = rng.nextInt(pieces + 1)
            ids += (0..<pieces).map { $0 < length ? Int32(rng.nextInt(vocabulary)) : -1 }
        }
        net.setCatalog(ItemTokens(items: items, fields: 2, pieces: pieces, ids: ids))
        return net
    }

    static func encoded(workers: Int, subset: [Int32]?, dropout: TokenDropout?) -> (vectors: [Float], grads: [Float]) {
        let net = network()
        net.encodeItems(only: subset, dropping: dropout, workers: workers)
        let c = net.shape.architecture.hidden
        let vectors = Array(UnsafeBufferPointer(start: net.itemVectors.pointer, count: net.items * c))
        net.zeroGradients()
        for i in 0..<(net.items * c) { net.itemGradients[i] = Float((i * 7) % 13) / 13 - 0.5 }
        net.encodeItemsBackward(workers: workers)
        return (vectors, net.grads.array)
    }

    /// How many floats differ in their bits.
    static func differing(_ a: [Float], _ b: [Float]) -> Int { zip(a, b).count { $0.bitPattern != $1.bitPattern } + abs(a.count - b.count) }

    @Test(arguments: [nil, TokenDropout(probability: 0.3, seed: 4)])
    func workersEncodeAndPropagateAsOneWorkerDoes(dropout: TokenDropout?) {
        for subset: [Int32]? in [nil, [30, 2, 17, 5]] {
            let one = Self.encoded(workers: 1, subset: subset, dropout: dropout)
            for workers in [2, 3, 5] {
                let many = Self.encoded(workers: workers, subset: subset, dropout: dropout)
                let name = "\(workers) workers, subset \(subset.map(\.description) ?? "none")"
                #expect(Self.differing(many.vectors, one.vectors) == 0, "\(name): item vectors differ from one worker's")
                #expect(Self.differing(many.grads, one.grads) == 0, "\(name): encoder gradients differ from one worker's")
            }
        }
    }
}
