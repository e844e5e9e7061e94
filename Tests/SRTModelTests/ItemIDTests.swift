import Testing
@testable import SRTModel
import SRTTensor

/// A text model with item IDs (`ItemEncoderConfig.itemIDs`): what it starts as, what an item's
/// vector is, and which configs it refuses. Its gradients are checked with the others'
/// (`NetworkGradientTests`, `ShardedGradientsTests`).
@Suite struct ItemIDTests {
    /// Zero table, every other tensor the text-only model's with the same seed: the model starts
    /// as its text encoder alone and scores as it does.
    @Test func itStartsAsTheTextModelWithTheSameSeed() {
        let text = NetworkGradientTests.network(.text), hybrid = NetworkGradientTests.network(.text, itemIDs: true)
        let table = hybrid.layout[ParameterLayout.itemEmbeddingName]  // one row per item, after the text encoder's tensors
        #expect(table.shape == [NetworkGradientTests.items, 8])
        #expect(hybrid.layout.count == text.layout.count + table.count)
        // Fresh networks (the fixture above adds noise to every weight, the table included).
        let shape = text.shape
        var hybridShape = shape
        hybridShape.itemEncoder.itemIDs = true
        let fresh = Network(shape: shape, maxBatch: 1, seed: 9), freshHybrid = Network(shape: hybridShape, maxBatch: 1, seed: 9)
        let freshTable = freshHybrid.layout[ParameterLayout.itemEmbeddingName]
        #expect(freshHybrid.params.array[freshTable.range].allSatisfy { $0 == 0 })
        for entry in fresh.layout.entries {
            #expect(Array(fresh.params.array[entry.range]) == Array(freshHybrid.params.array[freshHybrid.layout[entry.name].range]), "\(entry.name)")
        }
    }

    /// Each item's vector is the text-only model's vector for it plus the item's row of the table,
    /// whether the whole catalog is encoded or a subset.
    @Test func anItemsVectorIsItsTextEncodingPlusItsRow() {
        let text = NetworkGradientTests.network(.text), hybrid = NetworkGradientTests.network(.text, itemIDs: true)
        for entry in text.layout.entries {  // the same text weights in both
            hybrid.parameter(entry.name).update(from: text.parameter(entry.name), count: entry.count)
        }
        let c = 8, table = hybrid.parameter(ParameterLayout.itemEmbeddingName)
        #expect((0..<(NetworkGradientTests.items * c)).contains { table[$0] != 0 })
        text.encodeItems()
        hybrid.encodeItems()
        for v in 0..<NetworkGradientTests.items {
            for j in 0..<c { #expect(abs(hybrid.itemVectors[v * c + j] - (text.itemVectors[v * c + j] + table[v * c + j])) < 1e-6) }
        }
        let subset: [Int32] = [5, 1, 3]
        let whole = hybrid.itemVectors.array
        hybrid.encodeItems(only: subset)
        for (row, v) in subset.enumerated() {
            for j in 0..<c { #expect(abs(hybrid.itemVectors[row * c + j] - whole[Int(v) * c + j]) < 1e-6) }
        }
    }

    @Test func onlyATextModelTakesItemIDs() throws {
        var encoder = ItemEncoderConfig(kind: .id)
        encoder.itemIDs = true
        let shape = ModelShape(architecture: NetworkGradientTests.architecture, itemEncoder: encoder, items: 7)
        #expect(throws: ModelError.invalidConfig(field: "item_encoder.item_ids", message: "applies to text models only (an ID model is its item table)")) {
            try shape.validate()
        }
    }
}
