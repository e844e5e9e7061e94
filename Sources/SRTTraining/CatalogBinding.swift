import Foundation
import SRTData
import SRTModel

extension Checkpoint {
    /// Loads a checkpoint ready to score `catalog`'s items, in the catalog's order. A text model
    /// encodes every item from its text, seen in training or not; an ID model can only rank items
    /// it was trained on, so unknown ones are an error that counts them.
    public static func load(from folder: String, scoring catalog: ItemCatalog, maxBatch: Int) throws -> Loaded {
        let loaded = try load(from: folder, maxBatch: maxBatch)
        let encoder = loaded.config.model.itemEncoder
        if encoder.kind == .text {
            loaded.network.setCatalog(try ItemTextEncoding.tokens(for: catalog, encoder: encoder, tokenizer: loaded.tokenizer!))
            return loaded
        }
        let own = try ItemCatalog.read(path: folder + "/items.tsv")
        if own.ids == catalog.ids { return loaded }
        let row = Dictionary(own.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let unknown = catalog.ids.filter { row[$0] == nil }
        guard unknown.isEmpty else {
            throw TrainingError.badData("\(unknown.count) of \(catalog.count) items are unknown to this ID-based model (e.g. \(unknown.prefix(3).joined(separator: ", "))): an ID model can only rank the items it was trained on; evaluate an SRT (text) model on a new catalog")
        }
        // Same weights, item embedding rows gathered into the catalog's order.
        var shape = loaded.config.model
        shape.items = catalog.count
        let network = Network(shape: shape, maxBatch: maxBatch)
        let c = shape.architecture.hidden, table = "item_encoder.item_embedding.weight"
        for entry in network.layout.entries where entry.name != table {
            network.parameter(entry.name).update(from: loaded.network.parameter(entry.name), count: entry.count)
        }
        let source = loaded.network.parameter(table), target = network.parameter(table)
        for (i, id) in catalog.ids.enumerated() { (target + i * c).update(from: source + row[id]! * c, count: c) }
        return Loaded(config: loaded.config, network: network, tokenizer: nil)
    }
}
