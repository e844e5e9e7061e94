import Foundation
import SRTData
import SRTModel
import SRTTensor

/// Top-K recommendations from a checkpoint for given histories.
public final class Recommender {
    public let checkpoint: Checkpoint.Loaded
    public let catalog: ItemCatalog
    let index: [String: Int32]

    public struct Item: Codable, Sendable, Equatable {
        public let id: String
        public let title: String
        public let score: Float
    }

    /// `catalog` defaults to the checkpoint's own items.tsv. A text model encodes any catalog from
    /// its text; an ID model only knows the items it was trained on, in their training order.
    public init(checkpoint folder: String, catalog: ItemCatalog? = nil) throws {
        let kind = try Checkpoint.config(of: folder).model.itemEncoder.kind
        let own = try ItemCatalog.read(path: folder + "/items.tsv")
        let catalog = catalog ?? own
        let loaded: Checkpoint.Loaded
        switch kind {
        case .text:
            loaded = try Checkpoint.load(from: folder, scoring: catalog, maxBatch: 64)
            self.catalog = catalog
        case .id:
            let known = Set(own.ids)
            let unknown = catalog.ids.filter { !known.contains($0) }
            if !unknown.isEmpty {
                throw TrainingError.badData("\(unknown.count) of \(catalog.count) items are unknown to this ID-based model (e.g. \(unknown.prefix(3).joined(separator: ", "))): an ID model can only rank the items it was trained on; use an SRT (text) model for new items")
            }
            loaded = try Checkpoint.load(from: folder, maxBatch: 64)
            self.catalog = own
        }
        checkpoint = loaded
        index = Dictionary(self.catalog.ids.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
        loaded.network.encodeItems()
    }

    /// Item indices for raw ids; unknown ids are an error that names them.
    public func indices(_ ids: [String]) throws -> [Int32] {
        let unknown = ids.filter { index[$0] == nil }
        guard unknown.isEmpty else {
            throw TrainingError.badData("unknown item id(s) in the history: \(unknown.prefix(5).joined(separator: ", ")) (not in the catalog of \(catalog.count) items)")
        }
        return ids.map { index[$0]! }
    }

    /// The item vectors [items, hidden] in catalog order and one user vector [hidden] per history:
    /// what the scores are dot products of (`recommend --vectors`, e.g. for an ANN index).
    public func vectors(histories: [[String]]) throws -> (items: Safetensors.Tensor, users: Safetensors.Tensor) {
        let network = checkpoint.network
        let c = network.shape.architecture.hidden
        var users: [Float] = []
        try forEachBatch(histories) { batch, vectors in users += Array(vectors.array.prefix(batch.count * c)) }
        return (.init(name: "items", shape: [network.items, c], values: Array(network.itemVectors.array.prefix(network.items * c))),
                .init(name: "users", shape: [histories.count, c], values: users))
    }

    /// The top `k` items for each history (oldest first), excluding history items unless asked.
    public func recommend(histories: [[String]], k: Int, includeHistory: Bool = false) throws -> [[Item]] {
        let network = checkpoint.network
        let c = network.shape.architecture.hidden, v = network.items
        let scores = FloatBuffer(count: network.maxBatch * v)
        var results: [[Item]] = []
        try forEachBatch(histories) { batch, users in
            matmul(scores.pointer, users.pointer, network.itemVectors.pointer, m: batch.count, n: v, k: c, transB: true)
            for (b, history) in batch.enumerated() {
                let row = scores.pointer + b * v
                if !includeHistory { for item in history { row[Int(item)] = -.infinity } }
                let top = (0..<v).filter { row[$0] > -.infinity }.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(k)
                results.append(top.map { Item(id: catalog.ids[$0], title: catalog.title(of: $0), score: row[$0]) })
            }
        }
        return results
    }

    /// The histories as item indices (unknown ids and empty histories are errors), in batches of
    /// the network's size, each with its user vectors [batch, hidden] in `users`.
    private func forEachBatch(_ histories: [[String]], _ body: (_ batch: [[Int32]], _ users: FloatBuffer) -> Void) throws {
        let network = checkpoint.network
        let inputs = try histories.map { try indices($0) }
        if let empty = inputs.firstIndex(where: \.isEmpty) { throw TrainingError.badData("history \(empty + 1) is empty") }
        let users = FloatBuffer(count: network.maxBatch * network.shape.architecture.hidden)
        for start in stride(from: 0, to: inputs.count, by: network.maxBatch) {
            let batch = Array(inputs[start..<min(start + network.maxBatch, inputs.count)])
            Evaluator.userVectors(network, inputs: batch, into: users)
            body(batch, users)
        }
    }
}
