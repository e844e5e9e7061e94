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
            let rows = ItemTableCarry.rows(of: own.ids, for: catalog.ids)
            let unknown = zip(catalog.ids, rows).filter { $1 == nil }.map(\.0)
            guard unknown.isEmpty || encoder.kind == .text else {
                throw TrainingError.badData("\(unknown.count) of \(catalog.count) items are unknown to this ID-based model (e.g. \(unknown.prefix(3).joined(separator: ", "))): an ID model can only rank the items it was trained on; evaluate an SRT (text) model on a new catalog")
            }
            let network = ItemTableCarry(network: loaded.network, items: catalog.count, rows: rows).network(maxBatch: maxBatch)
            loaded = Loaded(config: loaded.config, network: network, tokenizer: loaded.tokenizer)
        }
        if encoder.kind == .text {
            loaded.network.setCatalog(try ItemTextEncoding.tokens(for: catalog, encoder: encoder, tokenizer: loaded.tokenizer!))
        }
        return loaded
    }
}
