import Foundation
import Testing

/// A damaged or hostile checkpoint never crashes a command: it is refused at load with a message
/// that names the key or tensor (exit 65), and `add` refuses it before it enters a registry.
/// (`heads: 0` divided by zero, a negative width segfaulted, garbage weights were added with exit 0.)
@Suite(.enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct CheckpointValidationTests {
    static func copy(_ folder: String) throws -> String {
        let to = makeTempFolder() + "/ckpt"
        try FileManager.default.copyItem(atPath: folder, toPath: to)
        return to
    }

    static func editConfig(_ folder: String, _ edit: (inout [String: Any]) -> Void) throws {
        let path = folder + "/config.json"
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
    }

    static func setArchitecture(_ key: String, _ value: Any) -> (inout [String: Any]) -> Void {
        { config in
            var model = config["model"] as! [String: Any]
            var architecture = model["architecture"] as! [String: Any]
            architecture[key] = value
            model["architecture"] = architecture
            config["model"] = model
        }
    }

    /// Rewrites the weights file: `body` gets the header JSON and the data bytes.
    static func editWeights(_ folder: String, _ body: (inout [String: Any], inout Data) -> Void) throws {
        let path = folder + "/model.safetensors"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        var header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        var payload = data.subdata(in: (8 + length)..<data.count)
        body(&header, &payload)
        let json = try JSONSerialization.data(withJSONObject: header)
        var newLength = UInt64(json.count).littleEndian
        try (Data(bytes: &newLength, count: 8) + json + payload).write(to: URL(fileURLWithPath: path))
    }

    @Test func damagedCheckpointsAreRefusedNeverCrash() throws {
        let (data, good) = try EvalCommandTests.trained()
        let firstTensor = { (header: [String: Any]) in header.keys.filter { $0 != "__metadata__" }.sorted()[0] }
        let cases: [(String, String, (String) throws -> Void)] = [
            ("heads 0", "heads", { try Self.editConfig($0, Self.setArchitecture("heads", 0)) }),
            ("negative width", "hidden", { try Self.editConfig($0, Self.setArchitecture("hidden", -64)) }),
            ("huge width", "architecture", { try Self.editConfig($0, Self.setArchitecture("hidden", 1 << 40)) }),
            ("config of the wrong type", "config.json", { try Self.editConfig($0) { $0["model"] = "big" } }),
            ("truncated weights", "model.safetensors", { path in
                let file = path + "/model.safetensors"
                let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
                try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: file))
            }),
            ("empty weights", "model.safetensors", { try Data().write(to: URL(fileURLWithPath: $0 + "/model.safetensors")) }),
            ("header length near 2^64", "header length", { path in
                let file = path + "/model.safetensors"
                var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
                bytes.replaceSubrange(0..<8, with: [UInt8](repeating: 0xFF, count: 8))
                try bytes.write(to: URL(fileURLWithPath: file))
            }),
            ("a shape that overflows", "cannot be true", { try Self.editWeights($0) { header, _ in
                var t = header[firstTensor(header)] as! [String: Any]; t["shape"] = [1 << 40, 1 << 40]; header[firstTensor(header)] = t } }),
            ("overlapping tensors", "overlap", { try Self.editWeights($0) { header, _ in
                let names = header.keys.filter { $0 != "__metadata__" }.sorted()
                let a = header[names[0]] as! [String: Any]
                var b = header[names[1]] as! [String: Any]
                let offsetsA = a["data_offsets"] as! [Int], offsetsB = b["data_offsets"] as! [Int]
                b["data_offsets"] = [offsetsA[0], offsetsA[0] + offsetsB[1] - offsetsB[0]]
                header[names[1]] = b } }),
            ("a NaN weight", "NaN", { try Self.editWeights($0) { header, payload in
                let offsets = (header[firstTensor(header)] as! [String: Any])["data_offsets"] as! [Int]
                var nan = Float.nan.bitPattern.littleEndian
                payload.replaceSubrange(offsets[0]..<(offsets[0] + 4), with: Data(bytes: &nan, count: 4)) } }),
            ("garbage tokenizer", "tokenizer", { try Data("not a model".utf8).write(to: URL(fileURLWithPath: $0 + "/tokenizer.model")) }),
        ]
        for (label, mention, damage) in cases {
            let folder = try Self.copy(good)
            try damage(folder)
            for command in [["recommend", folder, "--history", "i1,i2"], ["eval", folder, "--data", data, "--no-save"]] {
                let run = try CLIRunner.run(command)
                #expect(run.status == 65 || run.status == 66, "\(label): \(command[0]) exited \(run.status): \(run.stderr.prefix(400))")
                #expect(run.stderr.contains(mention), "\(label): \(command[0]) said \(run.stderr.prefix(400))")
                #expect(!run.stderr.contains("Backtrac") && !run.stderr.contains("Fatal error"), "\(label): \(command[0]) crashed")
            }
            let add = try CLIRunner.run(["add", folder, "--tag", "bad:v1", "--home", makeTempFolder()])
            #expect(add.status == 65 || add.status == 66, "\(label): add exited \(add.status): \(add.stderr.prefix(300))")
        }
        #expect(try CLIRunner.run(["add", good, "--tag", "good:v1", "--home", makeTempFolder()]).status == 0)
    }
}
