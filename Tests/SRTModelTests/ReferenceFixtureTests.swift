import Foundation
import Testing
@testable import SRTModel
import SRTTensor

/// The whole network against an independent computation: a float64 NumPy implementation of the
/// reference model (scripts/reference/make_network_fixture.py), whose gradients are float64
/// central differences. Checks item vectors, every user vector, the loss and every gradient.
@Suite struct ReferenceFixtureTests {
    struct Fixture: Decodable {
        struct Arch: Decodable { let layers, heads, hidden, inner: Int; let max_length: Int }
        let architecture: Arch
        let items, fields, pieces, vocab, token_embedding: Int
        let tokens, sequences, targets: [Int32]
        let params: [String: [Float]]
        let item_vectors, hidden: [Double]
        let loss: Double
        let grads: [String: [Double]]
    }

    static let fixture: Fixture = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/network_reference.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: path))
    }()

    static func maxError(_ a: [Float], _ b: [Double]) -> Double {
        zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
    }

    @Test func forwardLossAndAllGradientsMatchTheReference() throws {
        let f = Self.fixture
        let arch = Architecture(name: "fixture", layers: f.architecture.layers, heads: f.architecture.heads, hidden: f.architecture.hidden,
                                inner: f.architecture.inner, maxLength: f.architecture.max_length, hiddenDropout: 0, attentionDropout: 0)
        let encoder = ItemEncoderConfig(kind: .text, fields: ["a", "b"], maxPieces: [f.pieces, f.pieces], vocabularySize: f.vocab, tokenEmbedding: f.token_embedding)
        let net = Network(shape: ModelShape(architecture: arch, itemEncoder: encoder, items: f.items), maxBatch: 2)
        for entry in net.layout.entries {
            let values = try #require(f.params[entry.name], "fixture lacks \(entry.name)")
            #expect(values.count == entry.count)
            values.withUnsafeBufferPointer { (net.params.pointer + entry.offset).update(from: $0.baseAddress!, count: entry.count) }
        }
        net.setCatalog(ItemTokens(items: f.items, fields: f.fields, pieces: f.pieces, ids: f.tokens))

        var rows = ScoredRows()
        for (i, t) in f.targets.enumerated() where t >= 0 { rows.rows.append(Int32(i)); rows.targets.append(t) }
        var rng = RandomSource(seed: 0)
        net.zeroGradients()
        net.encodeItems()
        net.forward(f.sequences, batch: 2, training: false, rng: &rng)
        net.hiddenGradient.zero()
        let loss = Loss.compute(.fullCrossEntropy, network: net, rows: rows, workspace: LossWorkspace(maxRows: 10, hidden: arch.hidden))
        net.backward()
        net.encodeItemsBackward()

        // Float32 against float64: tolerances a few hundred float32 ulps at these magnitudes.
        let itemError = Self.maxError(net.itemVectors.array, f.item_vectors)
        #expect(itemError < 1e-5, "item vectors: max |Δ| = \(itemError)")
        // Padding positions (the second sequence's last two) are not compared: nothing reads them.
        let C = arch.hidden
        let valid = (0..<10).filter { f.sequences[$0] >= 0 }
        let hiddenError = valid.map { r in Self.maxError(Array(net.hidden.array[(r * C)..<((r + 1) * C)]), Array(f.hidden[(r * C)..<((r + 1) * C)])) }.max()!
        #expect(hiddenError < 2e-5, "user vectors: max |Δ| = \(hiddenError)")
        #expect(abs(Double(loss) - f.loss) < 2e-6, "loss \(loss) vs reference \(f.loss)")
        for entry in net.layout.entries {
            let expected = try #require(f.grads[entry.name])
            let got = Array(UnsafeBufferPointer(start: net.grads.pointer + entry.offset, count: entry.count))
            let error = Self.maxError(got, expected)
            let scale = expected.map(abs).max() ?? 0
            #expect(error < 1e-5 + 1e-4 * scale, "\(entry.name): max |Δ| = \(error) (max |reference| \(scale))")
        }
    }
}
