import Foundation

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
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: URL(fileURLWithPath: path))
}

/// A benchmark's usage error.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
