import Foundation
import Testing

/// A checkpoint folder as `srthub train --out` writes it (fixture until training lands).
func makeCheckpoint(_ folder: String, name: String, weightBytes: Int = 4096, seed: UInt8 = 1,
                    parent: String? = nil, ndcg: Double? = 0.1) {
    var config: [String: Any] = ["name": name, "method": parent == nil ? "pretrain" : "finetune progressive",
                                 "dataset": parent == nil ? "ml-100k" : "shop", "dataset_fingerprint": "sha256:" + name,
                                 "parameters": ["total": 1000]]
    if let parent { config["parent"] = ["digest": parent, "reference": "base:v1"] }
    try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try! JSONSerialization.data(withJSONObject: config, options: .sortedKeys).write(to: URL(fileURLWithPath: folder + "/config.json"))
    // A sound float32 safetensors file (`add` checks it): every byte below 0x80 keeps each float finite.
    var weights = [UInt8](repeating: 0, count: weightBytes / 4 * 4)
    var state = UInt32(seed) &* 2_654_435_761
    for i in weights.indices { state = state &* 1_664_525 &+ 1_013_904_223; weights[i] = UInt8(truncatingIfNeeded: state >> 24) & 0x7F }
    FileManager.default.createFile(atPath: folder + "/model.safetensors", contents: safetensorsHeader(floats: weights.count / 4) + Data(weights))
    FileManager.default.createFile(atPath: folder + "/tokenizer.model", contents: Data("tok".utf8))
    if let ndcg {
        let dataset = parent == nil ? "ml-100k" : "shop"  // its own test split, as train and finetune write it
        writeFile(folder + "/eval.json", #"{"dataset": "\#(dataset)", "dataset_fingerprint": "sha256:\#(name)", "protocol": "leave-one-out", "mode": "full, history masked", "metrics": {"ndcg@10": \#(ndcg)}}"#)
    }
}

/// The header of a safetensors file holding one float32 tensor "weights" of `floats` values.
func safetensorsHeader(floats: Int) -> Data {
    let json = Data(#"{"weights":{"dtype":"F32","shape":[\#(floats)],"data_offsets":[0,\#(floats * 4)]}}"#.utf8)
    var length = UInt64(json.count).littleEndian
    return Data(bytes: &length, count: 8) + json
}

func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

@Suite(.enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct RegistryCommandTests {
    @Test func checkpointGoesThroughTheWholeLifecycle() throws {
        let work = makeTempFolder()
        let home = ["SRTHUB_HOME": work + "/home"]
        makeCheckpoint(work + "/base", name: "base", ndcg: 0.2)

        // add, twice: same digest, nothing new
        let added = try CLIRunner.run(["add", work + "/base", "--tag", "base:v1", "--json"], environment: home)
        #expect(added.status == 0, "\(added.stderr)")
        let digest = try #require((try json(added.stdout) as? [String: Any])?["digest"] as? String)
        let again = try CLIRunner.run(["add", work + "/base", "--tag", "base:v1"], environment: home)
        #expect(again.stdout.contains("already stored"))

        makeCheckpoint(work + "/child", name: "child", seed: 2, parent: digest, ndcg: 0.3)
        #expect(try CLIRunner.run(["add", work + "/child", "--tag", "team/shop:ft"], environment: home).status == 0)

        // list, show, log, tag, diff
        let list = try CLIRunner.run(["list"], environment: home)
        #expect(list.stdout.contains("base:v1") && list.stdout.contains("team/shop:ft") && list.stdout.contains("0.3000"))
        let show = try CLIRunner.run(["show", "team/shop:ft"], environment: home)
        #expect(show.stdout.contains("parent   \(digest)"))
        #expect(show.stdout.contains("model.safetensors"))
        let card = try CLIRunner.run(["show", "team/shop:ft", "--card"], environment: home)
        #expect(card.stdout.hasPrefix("---\n") && card.stdout.contains("base_model: base:v1\n"))
        let log = try CLIRunner.run(["log", "team/shop:ft"], environment: home)
        #expect(log.stdout.contains("made by  finetune progressive from \(digest.dropFirst(7).prefix(12))"))
        #expect(log.stdout.contains("(base:v1)"))
        #expect(try CLIRunner.run(["tag", "base:v1", "base:best"], environment: home).status == 0)
        let diff = try CLIRunner.run(["diff", "base:v1", "team/shop:ft", "--json"], environment: home)
        let differences = try #require(try json(diff.stdout) as? [[String: Any]])
        let method = try #require(differences.first { $0["key"] as? String == "config.method" })
        #expect(method["a"] is String && !(method["a"] as! String).hasPrefix("\""), "values are JSON values, not JSON text: \(method)")
        #expect(differences.contains { $0["key"] as? String == "config.parent.digest" && $0["a"] is NSNull }, "a missing key is null")
        // The table fits 100 columns, a long value cut with "…" (--wide shows it whole).
        let table = try CLIRunner.run(["diff", "base:v1", "team/shop:ft"], environment: home).stdout
        #expect(table.split(separator: "\n").allSatisfy { $0.count <= 100 } && table.contains("…"), "\(table)")
        #expect(try CLIRunner.run(["diff", "base:v1", "team/shop:ft", "--wide"], environment: home).stdout.contains(digest))

        // export → import into a second home, where log shows the same lineage
        #expect(try CLIRunner.run(["export", "base:v1", work + "/bundle"], environment: home).status == 0)
        #expect(try CLIRunner.run(["export", "team/shop:ft", work + "/bundle"], environment: home).status == 0)
        let other = ["SRTHUB_HOME": work + "/home2"]
        let imported = try CLIRunner.run(["import", work + "/bundle"], environment: other)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try CLIRunner.run(["log", "team/shop:ft"], environment: other).stdout.contains(String(digest.dropFirst(7))))

        // checkout gives back the files
        #expect(try CLIRunner.run(["checkout", "base:v1", work + "/out"], environment: home).status == 0)
        #expect(FileManager.default.contents(atPath: work + "/out/model.safetensors") == FileManager.default.contents(atPath: work + "/base/model.safetensors"))

        // rm → gc → verify
        #expect(try CLIRunner.run(["rm", "team/shop:ft"], environment: home).stdout.contains("untagged team/shop:ft"))
        let dry = try CLIRunner.run(["gc", "--dry-run"], environment: home)
        #expect(dry.stdout.contains("would remove 1 checkpoint(s)"))
        let gc = try CLIRunner.run(["gc", "--json"], environment: home)
        #expect(((try json(gc.stdout) as? [String: Any])?["manifests"] as? [Any])?.count == 1)
        let verify = try CLIRunner.run(["verify"], environment: home)
        #expect(verify.status == 0 && verify.stdout.contains(": ok"))
        #expect(try CLIRunner.run(["show", "team/shop:ft"], environment: home).status == 66)
    }

    /// A tag that moves says so (and what still names the old model); a remote's URL is not
    /// replaced by `remote add` without --force, and `remote set-url` changes it (both once silent).
    @Test func movedTagsAndReplacedRemotesAreSaid() throws {
        let work = makeTempFolder()
        let home = ["SRTHUB_HOME": work + "/home"]
        makeCheckpoint(work + "/one", name: "one", seed: 1)
        makeCheckpoint(work + "/two", name: "two", seed: 2)
        let first = try CLIRunner.run(["add", work + "/one", "--tag", "shop:v1", "--json"], environment: home)
        let old = try #require((try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])?["digest"] as? String)
        makeCheckpoint(work + "/child", name: "child", seed: 3, parent: old)
        #expect(try CLIRunner.run(["add", work + "/child", "--tag", "shop:ft"], environment: home).status == 0)
        let again = try CLIRunner.run(["add", work + "/one", "--tag", "shop:v1"], environment: home)
        #expect(!again.stdout.contains("moved"), "same model, nothing moved: \(again.stdout)")
        let moved = try CLIRunner.run(["add", work + "/two", "--tag", "shop:v1"], environment: home)
        #expect(moved.status == 0 && moved.stdout.contains("moved shop:v1 from \(old.dropFirst(7).prefix(12))"), "\(moved.stdout)")
        #expect(moved.stdout.contains("the base of 1 model(s)"), "\(moved.stdout)")

        #expect(try CLIRunner.run(["remote", "add", "origin", "http://127.0.0.1:5000"], environment: home).status == 0)
        #expect(try CLIRunner.run(["remote", "add", "origin", "http://127.0.0.1:5000/"], environment: home).status == 0, "the same URL again is fine")
        let replace = try CLIRunner.run(["remote", "add", "origin", "http://127.0.0.1:6000"], environment: home)
        #expect(replace.status != 0 && replace.stderr.contains("already points at http://127.0.0.1:5000") && replace.stderr.contains("remote set-url"),
                "\(replace.stderr)")
        let setURL = try CLIRunner.run(["remote", "set-url", "origin", "http://127.0.0.1:6000"], environment: home)
        #expect(setURL.status == 0 && setURL.stdout.contains("(was http://127.0.0.1:5000)"), "\(setURL.stdout) \(setURL.stderr)")
        #expect(try CLIRunner.run(["remote", "ls"], environment: home).stdout.contains("origin\thttp://127.0.0.1:6000"))
        #expect(try CLIRunner.run(["remote", "set-url", "nowhere", "http://x:1"], environment: home).status != 0)
        #expect(try CLIRunner.run(["remote", "rm", "origin"], environment: home).status == 0)
        #expect(try CLIRunner.run(["remote", "ls"], environment: home).stdout.isEmpty)
    }

    /// A config's numbers never reach a registry row unchecked: "total": 1e300 was stored as
    /// Int.min and every later `list` crashed, for the whole registry.
    @Test func absurdParameterCountsNeverBreakList() throws {
        let work = makeTempFolder()
        let home = ["SRTHUB_HOME": work + "/home"]
        for (name, total) in [("huge", "1e300"), ("negative", "-5"), ("fraction", "2.5")] {
            makeCheckpoint(work + "/" + name, name: name)
            let path = work + "/" + name + "/config.json"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            var config = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            config["parameters"] = ["total": 0]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
                .replacingOccurrences(of: "\"total\":0", with: "\"total\":\(total)")
            try json.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(try CLIRunner.run(["add", work + "/" + name, "--tag", name + ":v1"], environment: home).status == 0)
        }
        let list = try CLIRunner.run(["list"], environment: home)
        #expect(list.status == 0 && list.stdout.contains("huge:v1") && list.stdout.contains("negative:v1"), "\(list.stdout) \(list.stderr)")
    }

    /// A home with blobs and no database is not a new registry: taken for one, `gc` deleted every blob.
    @Test func lostDatabaseIsNotANewRegistry() throws {
        let work = makeTempFolder()
        let home = ["SRTHUB_HOME": work + "/home"]
        makeCheckpoint(work + "/one", name: "one")
        #expect(try CLIRunner.run(["add", work + "/one", "--tag", "one:v1"], environment: home).status == 0)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: work + "/home/registry.sqlite" + suffix) }
        let blobsBefore = try FileManager.default.subpathsOfDirectory(atPath: work + "/home/blobs").count
        let gc = try CLIRunner.run(["gc"], environment: home)
        #expect(gc.status != 0 && gc.stderr.contains("holds blobs but its registry.sqlite is missing"), "\(gc.stderr)")
        #expect(try FileManager.default.subpathsOfDirectory(atPath: work + "/home/blobs").count == blobsBefore)
        FileManager.default.createFile(atPath: work + "/home/registry.sqlite", contents: Data())
        #expect(try CLIRunner.run(["list"], environment: home).stderr.contains("is empty"))
    }

    @Test func badReferencesAndMissingCheckpointsGetClearErrors() throws {
        let home = ["SRTHUB_HOME": makeTempFolder()]
        let bad = try CLIRunner.run(["show", "Team/Shop"], environment: home)
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("lower-case"))
        let missing = try CLIRunner.run(["show", "nothing:here"], environment: home)
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("srthub list"))
        let notACheckpoint = try CLIRunner.run(["add", makeTempFolder(), "--tag", "x"], environment: home)
        #expect(notACheckpoint.status == 65)
        #expect(notACheckpoint.stderr.contains("no config.json"))
    }

    @Test func verifyExitsNonZeroOnDamage() throws {
        let work = makeTempFolder()
        let env = ["SRTHUB_HOME": work + "/home"]
        makeCheckpoint(work + "/ck", name: "ck")
        #expect(try CLIRunner.run(["add", work + "/ck", "--tag", "ck"], environment: env).status == 0)
        let blobs = work + "/home/blobs/sha256"
        for prefix in try FileManager.default.contentsOfDirectory(atPath: blobs) {
            for name in try FileManager.default.contentsOfDirectory(atPath: blobs + "/" + prefix) {
                let path = blobs + "/" + prefix + "/" + name
                let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
                if size > 4096 {  // the weights: 4096 bytes and their header
                    FileManager.default.createFile(atPath: path, contents: Data(repeating: 0, count: size))
                }
            }
        }
        let verify = try CLIRunner.run(["verify"], environment: env)
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("problem: blob sha256:") && verify.stdout.contains("corrupt"))
    }
}
