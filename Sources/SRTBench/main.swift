// srthub's benchmark runner: `SRTBench <name> [args]`. Each benchmark prints a table and writes
// JSON; the scripts under bench/ build this in release mode and call it.
import Foundation
import SRTTensor

BLASKernel.restartWithFasterKernelIfNeeded()

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let benchmark = benchmarks[name] else {
    FileHandle.standardError.write(Data("usage: SRTBench <\(benchmarks.keys.sorted().joined(separator: "|"))> [args]\n".utf8))
    exit(64)
}
do {
    try benchmark(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
