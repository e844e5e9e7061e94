import Foundation
import SRTModel
import SRTTensor

/// Every benchmark by name.
let benchmarks: [String: @Sendable ([String]) throws -> Void] = [
    "catalog_size": CatalogSizeBenchmark.run,
    "eval_speed": EvalSpeedBenchmark.run,
    "load": LoadBenchmark.run,
    "loss_step": LossStepBenchmark.run,
    "registry_ops": RegistryBenchmark.run,
    "train_step": TrainStepBenchmark.run,
]

/// Seconds taken by `body`, on the monotonic clock.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Writes `value` as pretty JSON to `path`, creating its folder.
func writeJSON(_ value: [String: Any], to path: String) throws {
    try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
    let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: URL(fileURLWithPath: path))
}

/// A benchmark's usage error.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The catalog-size benchmarks' model: srt-64x2's text encoder (length 50) over `items` items
/// whose titles are 12 random pieces of a 30,000-piece vocabulary, sized for `batch` split across
/// `threads` workers.
func syntheticTextNetwork(items: Int, batch: Int, threads: Int, rng: inout RandomSource) -> Network {
    let arch = Architecture(name: "bench", layers: 2, heads: 2, hidden: 64, inner: 256, maxLength: 50)
    let encoder = ItemEncoderConfig(kind: .text, fields: ["title"], maxPieces: [40], vocabularySize: 30_000, tokenEmbedding: 64)
    let pieces = 12
    let network = Network(shape: ModelShape(architecture: arch, itemEncoder: encoder, items: items), maxBatch: (batch + threads - 1) / threads)
    network.setCatalog(ItemTokens(items: items, fields: 1, pieces: pieces, ids: (0..<(items * pieces)).map { _ in Int32(rng.nextInt(30_000)) }))
    return network
}
