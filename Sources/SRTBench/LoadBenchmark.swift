import Foundation
import SRTData

/// `SRTBench load DATASET [--runs N] [--json PATH]`: time to load a dataset (read + parse + group
/// + sort + join text), split it leave-one-out, and fingerprint it. Goal for amazon-beauty: < 1 s.
enum LoadBenchmark {
    static func run(_ arguments: [String]) throws {
        guard let path = arguments.first else { throw BenchError("usage: SRTBench load DATASET [--runs N] [--json PATH]") }
        let runs = option("--runs", in: arguments).flatMap(Int.init) ?? 5
        let jsonPath = option("--json", in: arguments)

        var load: [Double] = [], split: [Double] = [], fingerprint: [Double] = []
        var dataset: Dataset?
        for _ in 0..<runs {
            load.append(try seconds { dataset = try DatasetLoader.load(path) })
            split.append(try seconds { _ = try dataset!.split(.leaveOneOut) })
            fingerprint.append(seconds { _ = dataset!.fingerprint() })
        }
        let d = dataset!
        let rows: [(String, Double)] = [
            ("load (read, parse, group, sort, join text)", median(load)),
            ("leave-one-out split + popularity", median(split)),
            ("load + split", median(zip(load, split).map { $0 + $1 })),
            ("fingerprint (sha256)", median(fingerprint)),
        ]
        print("dataset \(d.name): \(d.userCount) users, \(d.itemCount) items, \(d.interactionCount) interactions; median of \(runs) runs")
        print("step".padding(toLength: 44, withPad: " ", startingAt: 0) + "  seconds")
        for (label, value) in rows {
            print(label.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "  %7.3f", value))
        }
        let goal = median(zip(load, split).map { $0 + $1 })
        print("goal: load + split < 1 s → \(goal < 1 ? "met" : "NOT met") (\(String(format: "%.3f", goal)) s)")
        if let jsonPath {
            try writeJSON([
                "benchmark": "load", "dataset": d.name, "users": d.userCount, "items": d.itemCount,
                "interactions": d.interactionCount, "runs": runs,
                "load_s": median(load), "split_s": median(split), "load_plus_split_s": goal,
                "fingerprint_s": median(fingerprint), "goal_s": 1.0,
            ], to: jsonPath)
            print("wrote \(jsonPath)")
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func option(_ name: String, in arguments: [String]) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}
