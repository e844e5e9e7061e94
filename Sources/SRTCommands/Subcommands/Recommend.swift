import ArgumentParser
import Foundation
import SRTData
import SRTModel
import SRTTensor
import SRTTraining

struct Recommend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recommend the top-K items for a history, from a checkpoint folder.",
        discussion: """
            Items in the history are excluded unless --include-history. The catalog is the \
            checkpoint's own items.tsv, or the items of --data (an SRT model encodes new items \
            from their text).

            Examples:
              srthub recommend runs/ml-100k --history 50,172,133 -k 5
              srthub recommend runs/ml-100k --histories histories.txt --json
                  (histories.txt: one comma-separated history per line)
            """)

    @Argument(help: "Checkpoint folder (srthub train --out, or srthub checkout).") var checkpoint: String
    @Option(help: "Item ids, oldest first, comma-separated.") var history: String?
    @Option(name: .customLong("histories"), help: ArgumentHelp("A file with one comma-separated history per line.", valueName: "file")) var batch: String?
    @Option(name: .short, help: "How many items to recommend.") var k = 10
    @Option(help: "Dataset whose items form the catalog (default: the checkpoint's items).") var data: String?
    @Flag(help: "Allow items of the history among the recommendations.") var includeHistory = false
    @Flag(help: "Print JSON.") var json = false
    @Option(help: ArgumentHelp("Also write the item vectors and each history's user vector to this safetensors file (tensors items [items, hidden] and users [histories, hidden]).",
                               valueName: "file")) var vectors: String?

    func validate() throws {
        if (history == nil) == (batch == nil) { throw ValidationError("pass exactly one of '--history' and '--histories'") }
        if k < 1 { throw ValidationError("'-k' must be at least 1") }
    }

    func run() async throws {
        BLASKernel.restartWithFasterKernelIfNeeded()  // before any BLAS work
        let histories: [[String]] = try Failure.reporting {
            if let history { return [Self.ids(history)] }
            guard let text = try? String(contentsOfFile: batch!, encoding: .utf8) else {
                throw DataError(.notFound, file: batch!, "cannot read the file")
            }
            return text.split(separator: "\n").map { Self.ids(String($0)) }.filter { !$0.isEmpty }
        }
        let results = try Failure.reporting {
            let catalog = try data.map { try DatasetLoader.load($0, options: LoadOptions(allowMissingText: true)).catalog }
            let recommender = try Recommender(checkpoint: checkpoint, catalog: catalog)
            if let vectors {
                let (items, users) = try recommender.vectors(histories: histories)
                do {
                    try Safetensors.encode([items, users], metadata: ["format": "pt", "srthub": "item and user vectors"])
                        .write(to: URL(fileURLWithPath: vectors), options: .atomic)
                } catch {
                    throw TrainingError.cannotWrite("--vectors \(vectors): \(error.localizedDescription)")
                }
            }
            return try recommender.recommend(histories: histories, k: k, includeHistory: includeHistory)
        }
        if json {
            // One history: {"recommendations": [...]}; a batch: a list of lists.
            if history != nil { try printJSON(["recommendations": results[0]]) } else { try printJSON(results) }
            return
        }
        for (i, items) in results.enumerated() {
            if results.count > 1 { print("history \(i + 1):") }
            var table = TextTable(header: ["#", "item", "score", "title"])
            for (r, item) in items.enumerated() { table.rows.append(["\(r + 1)", item.id, String(format: "%.3f", item.score), item.title]) }
            print(table.render())
        }
    }

    static func ids(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
