import Foundation
import SRTData
import SRTModel

/// How a text base's weights enter a fine-tune whose item table (`ItemEncoderConfig.itemIDs`)
/// differs from the base's: every tensor but the table is carried as it is; the table has one row
/// per target item, taken from the base's table where the base had the same item id (a fine-tune
/// that goes on on the base's own catalog) and zero elsewhere. Without `keepsTable` the model has
/// no table, and a base's table is left behind.
struct ItemTableCarry {
    /// The layout the weights come from (the base's, after any vocabulary change).
    let from: ParameterLayout
    let shape: ModelShape
    private let weights: [Float]
    /// For each target item, its row in the base's table (nil: a zero row).
    private let rows: [Int?]
    var carriedRows: Int { rows.count { $0 != nil } }

    init(base folder: String, network: Network, to catalog: ItemCatalog, keepsTable: Bool) throws {
        from = network.layout
        weights = network.params.array
        var shape = network.shape
        shape.itemEncoder.itemIDs = keepsTable ? true : nil
        shape.items = catalog.count
        self.shape = shape
        if keepsTable && network.shape.itemEncoder.hasItemTable {
            let own = try ItemCatalog.read(path: folder + "/items.tsv")
            let row = Dictionary(own.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            rows = catalog.ids.map { row[$0] }
        } else {
            rows = Array(repeating: nil, count: keepsTable ? catalog.count : 0)
        }
    }

    /// The fine-tune's network: the base's weights in the new layout.
    func network(maxBatch: Int) -> Network {
        let network = Network(shape: shape, maxBatch: maxBatch)
        network.params.pointer.update(from: carry(weights), count: network.layout.count)
        return network
    }

    /// Any per-parameter array in `from`'s layout (the weights, the Fisher) in the new one.
    func carry(_ values: [Float]) -> [Float] {
        let to = ParameterLayout(shape)
        var out = [Float](repeating: 0, count: to.count)
        let table = ParameterLayout.itemEmbeddingName, c = shape.architecture.hidden
        for entry in to.entries {
            if entry.name == table {
                guard from.contains(table) else { continue }  // a new table starts at zero
                let source = from[table].offset
                for (i, row) in rows.enumerated() {
                    if let row { out.replaceSubrange(entry.offset + i * c ..< entry.offset + (i + 1) * c, with: values[(source + row * c)..<(source + (row + 1) * c)]) }
                }
            } else {
                let source = from[entry.name]
                precondition(source.shape == entry.shape, "\(entry.name): only the item table changes")
                out.replaceSubrange(entry.range, with: values[source.range])
            }
        }
        return out
    }
}
