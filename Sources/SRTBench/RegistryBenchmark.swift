import Foundation
import SRTOCI
import SRTRegistry

/// `SRTBench registry_ops [--manifests N] [--json PATH]`: fills a fresh registry with N tagged
/// checkpoints (tiny distinct files, through the real `add`), then times list, show (resolve +
/// manifest + config + tags + lineage + evaluations) and gc --dry-run in-process. Goal: list < 100 ms
/// at N = 10,000.
enum RegistryBenchmark {
    static func run(_ arguments: [String]) throws {
        let count = option("--manifests", in: arguments).flatMap(Int.init) ?? 10_000
        let jsonPath = option("--json", in: arguments)
        // --home DIR keeps the filled registry there and reuses it on the next run.
        let kept = option("--home", in: arguments)
        let work = NSTemporaryDirectory() + "srthub-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: work) }
        let registry = try Registry(home: RegistryHome(path: kept ?? work + "/home"))
        let alreadyFilled = try registry.list().count >= count
        let folder = work + "/ck"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: folder + "/tokenizer.model", contents: Data("tok".utf8))

        var parent: Digest?
        let fill = try seconds {
            for i in 0..<(alreadyFilled ? 0 : count) {
                var config: [String: Any] = ["name": "m\(i)", "method": "pretrain", "parameters": ["total": 1000 + i]]
                if let parent, i % 10 != 0 { config["parent"] = parent.description }  // chains of 10
                try JSONSerialization.data(withJSONObject: config, options: .sortedKeys).write(to: URL(fileURLWithPath: folder + "/config.json"))
                _ = FileManager.default.createFile(atPath: folder + "/model.safetensors", contents: Data("weights \(i)".utf8))
                let eval = #"{"dataset_fingerprint": "sha256:x", "protocol": "leave-one-out", "mode": "full, history masked", "metrics": {"ndcg@10": \#(Double(i % 100) / 1000)}}"#
                _ = FileManager.default.createFile(atPath: folder + "/eval.json", contents: Data(eval.utf8))
                parent = try registry.add(checkpoint: folder, as: Reference(name: "model\(i / 100)", tag: "v\(i % 100)")).digest
                if (i + 1) % 1000 == 0 { FileHandle.standardError.write(Data("\r  added \(i + 1)/\(count)".utf8)) }
            }
        }
        FileHandle.standardError.write(Data("\n".utf8))
        let target = Reference(name: "model\((count - 1) / 100)", tag: "v\((count - 1) % 100)")

        func timed(_ body: () throws -> Void) rethrows -> Double { median(try (0..<7).map { _ in try seconds(body) }) }
        var listed = 0
        let list = try timed { listed = try registry.list().count }
        let show = try timed {
            let d = try registry.resolve(target)
            _ = try registry.manifest(d)
            _ = try registry.config(of: d)
            _ = try registry.tags(of: d)
            _ = try registry.parentEdge(of: d)
            _ = try registry.children(of: d)
            _ = try registry.evaluations(of: d)
        }
        let log = try timed { _ = try registry.log(target) }
        let gc = try timed { _ = try registry.gc(dryRun: true) }

        print("registry with \(listed) tagged checkpoints " + (alreadyFilled ? "(reused)" : "(filled through add in \(String(format: "%.1f", fill)) s, \(String(format: "%.1f", fill / Double(count) * 1000)) ms per add)") + "; median of 7")
        print("operation".padding(toLength: 16, withPad: " ", startingAt: 0) + "  milliseconds")
        for (label, value) in [("list", list), ("show", show), ("log (10 deep)", log), ("gc --dry-run", gc)] {
            print(label.padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "  %9.2f", value * 1000))
        }
        print("goal: list < 100 ms → \(list < 0.1 ? "met" : "NOT met") (\(String(format: "%.1f", list * 1000)) ms)")
        if let jsonPath {
            try writeJSON(["benchmark": "registry_ops", "manifests": listed, "fill_s": fill, "list_ms": list * 1000,
                           "show_ms": show * 1000, "log_ms": log * 1000, "gc_dry_run_ms": gc * 1000, "goal_list_ms": 100], to: jsonPath)
            print("wrote \(jsonPath)")
        }
    }
}
