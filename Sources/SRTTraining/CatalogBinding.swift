import Foundation
import SRTData
import SRTModel

extension Checkpoint {
    /// Loads a checkpoint ready to score `catalog`'s items, in the catalog's order. A text model
    /// encodes every item from its text, seen in training or not (a text model with item IDs adds
    /// its table's row where the item has one, and scores the others by text alone); an ID model
    /// can only rank items it was trained on, so unknown ones are an error that counts them.
    public static func load(from folder: String, scoring catalog: ItemCatalog, maxBatch: Int) throws -> Loaded {
        var loaded = try load(from: folder, maxBatch: maxBatch)
        let encoder = loaded.config.model.itemEncoder
        if encoder.kind == .text && !encoder.hasItemTable {
            loaded.network.setCatalog(try ItemTextEncoding.tokens(for: catalog, encoder: encoder, tokenizer: loaded.tokenizer!))
            return loaded
        }
        let own = try ItemCatalog.read(path: folder + "/items.tsv")
        if own.ids != catalog.ids {
            let row = Dictionary(own.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            let unknown = catalog.ids.filter { row[$0] == nil }
            guard unknown.isEmpty || encoder.kind == .text else {
                throw TrainingError.badData("\(unknown.count) of \(catalog.count) items are unknown to this ID-based model (e.g. \(unknown.prefix(3).joined(separator: ", "))): an ID model can only rank the items it was trained on; evaluate an SRT (text) model on a new catalog")
            }
            loaded = Loaded(config: loaded.config, network: gatheringItemTable(loaded.network, rows: catalog.ids.map { row[$0] }, maxBatch: maxBatch),
                            tokenizer: loaded.tokenizer)
        }
        if encoder.kind == .text {
            loaded.network.setCatalog(try ItemTextEncoding.tokens(for: catalog, encoder: encoder, tokenizer: loaded.tokenizer!))
        }
        return loaded
    }

    /// The same weights with the item table's rows gathered into a new catalog's order: item i
    /// takes row `rows[i]` of `network`'s table, or zeros where nil (an item the table never had).
    static func gatheringItemTable(_ network: Network, rows: [Int?], maxBatch: Int) -> Network {
        var shape = network.shape
        shape.items = rows.count
        let gathered = Network(shape: shape, maxBatch: maxBatch)
        let c = shape.architecture.hidden, table = ParameterLayout.itemEmbeddingName
        for entry in gathered.layout.entries where entry.name != table {
            gathered.parameter(entry.name).update(from: network.parameter(entry.name), count: entry.count)
        }
        let source = network.parameter(table), target = gathered.parameter(table)
        for (i, row) in rows.enumerated() {
            if let row { (target + i * c).update(from: source + row * c, count: c) } else { (target + i * c).update(repeating: 0, count: c) }
        }
        return gathered
    }
}
