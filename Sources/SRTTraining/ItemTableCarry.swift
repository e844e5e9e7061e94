import Foundation
import SRTModel

/// A model's weights moved to another item table: every tensor but the table is carried as it is;
/// the new table has one row per item of the new catalog, taken from the old table where it had the
/// same item id and zero elsewhere. Used where a checkpoint scores a catalog in another order (an
/// ID model, a text model with item IDs) and where a fine-tune gives a text base a table of the
/// target's items (a fine-tune that goes on on the base's own catalog keeps its rows). With `rows`
/// nil a text model gets no table, and a base's table is left behind.
struct ItemTableCarry {
    /// The layout the weights come from (the base's, after any vocabulary change).
    let from: ParameterLayout
    let shape: ModelShape
    private let weights: [Float]
    /// For each new item, its row in the old table (nil: a zero row).
    private let rows: [Int?]
    var carriedRows: Int { rows.count { $0 != nil } }

    init(network: Network, items: Int, rows: [Int?]?) {
        from = network.layout
        weights = network.params.array
        var shape = network.shape
        shape.items = items
        if shape.itemEncoder.kind == .text { shape.itemEncoder.itemIDs = rows == nil ? nil : true }
        self.shape = shape
        self.rows = rows ?? []
    }

    /// For each id of `catalog`, its row among `own` (a model's items.tsv), nil where it has none.
    static func rows(of own: [String], for catalog: [String]) -> [Int?] {
        let row = Dictionary(own.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return catalog.map { row[$0] }
    }

    /// A network with the weights in the new layout.
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
