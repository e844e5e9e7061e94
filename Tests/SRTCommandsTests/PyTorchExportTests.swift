import Foundation
import SRTModel
import Testing

/// `srthub export --format pytorch` and `srthub import --format pytorch`: a checkpoint leaves under
/// the PyTorch module's state-dict names (q, k and v unfused) and comes back bit for bit.
@Suite(.serialized, .enabled(if: CLIRunner.available, "the srthub executable is not built"))
struct PyTorchExportTests {
    /// A 2-layer text model trained for an epoch (its Fisher included).
    static func checkpoint() throws -> String {
        let (data, _) = TrainCommandTests.data()
        let work = makeTempFolder()
        writeFile(work + "/arch.json", #"{"name": "t", "layers": 2, "heads": 2, "hidden": 16, "inner": 24, "max_length": 6}"#)
        let train = try CLIRunner.run(["train", "--data", data, "--preset", work + "/arch.json", "--epochs", "1", "--vocab-size", "60",
                                       "--batch", "8", "--out", work + "/model"])
        #expect(train.status == 0, "\(train.stderr)")
        return work + "/model"
    }

    static func tensors(_ path: String) throws -> [String: Safetensors.Tensor] {
        try Safetensors.decode(Data(contentsOf: URL(fileURLWithPath: path)), path: path).tensors
    }

    @Test func anExportHasTheModulesNamesAndComesBackBitForBit() throws {
        let model = try Self.checkpoint()
        let work = makeTempFolder()
        let export = try CLIRunner.run(["export", model, work + "/pt", "--format", "pytorch"])
        #expect(export.status == 0, "\(export.stderr)")
        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: work + "/pt/model.safetensors") && fm.fileExists(atPath: work + "/pt/pytorch_fisher.safetensors"))
        let original = try Self.tensors(model + "/model.safetensors"), exported = try Self.tensors(work + "/pt/pytorch_model.safetensors")
        #expect(exported.keys.allSatisfy { !$0.contains("qkv") } && exported.count == original.count + 2 * 2 * 2)  // 2 layers × (weight, bias) × 2 more
        // The fused tensor's rows are q, then k, then v.
        let qkv = try #require(original["layers.1.attention.qkv.weight"])
        for (i, part) in ["query", "key", "value"].enumerated() {
            let t = try #require(exported["layers.1.attention.\(part).weight"])
            #expect(t.shape == [16, 16] && t.values == Array(qkv.values[(i * 256)..<((i + 1) * 256)]), "\(part)")
        }
        #expect(exported["layers.0.ffn.fc1.weight"] == original["layers.0.ffn.fc1.weight"])

        let back = try CLIRunner.run(["import", work + "/pt", "--format", "pytorch", "--out", work + "/back"])
        #expect(back.status == 0 && back.stdout.contains("srthub add"), "\(back.stderr)")
        for name in try fm.contentsOfDirectory(atPath: model) where name != "resume" {
            #expect(fm.contents(atPath: model + "/" + name) == fm.contents(atPath: work + "/back/" + name), "\(name) differs after the round trip")
        }
        #expect(Set(try fm.contentsOfDirectory(atPath: work + "/back")) == Set(try fm.contentsOfDirectory(atPath: model)).subtracting(["resume"]))
        // The registry sees the same checkpoint: the same digest either way.
        let home = makeTempFolder()
        let a = try CLIRunner.run(["add", model, "--tag", "a:v1", "--json", "--home", home])
        let b = try CLIRunner.run(["add", work + "/back", "--tag", "b:v1", "--json", "--home", home])
        #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
        func digest(_ json: String) -> String? { ((try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any])?["digest"] as? String }
        #expect(digest(a.stdout) != nil && digest(a.stdout) == digest(b.stdout), "\(a.stdout) \(b.stdout)")
    }

    @Test func badPyTorchFoldersAreRefusedByNameAndLeaveNothing() throws {
        let model = try Self.checkpoint()
        let work = makeTempFolder()
        // A checkpoint is not an export.
        let notExport = try CLIRunner.run(["import", model, "--format", "pytorch", "--out", work + "/x"])
        #expect(notExport.status != 0 && notExport.stderr.contains("pytorch_model.safetensors") && notExport.stderr.contains("srthub add"), "\(notExport.stderr)")
        #expect(try CLIRunner.run(["import", model, "--format", "pytorch"]).stderr.contains("--out"))
        // A state dict missing a tensor, or with one of the wrong shape.
        #expect(try CLIRunner.run(["export", model, work + "/pt", "--format", "pytorch"]).status == 0)
        let path = work + "/pt/pytorch_model.safetensors"
        let full = try Self.tensors(path)
        try Safetensors.encode(full.values.filter { $0.name != "layers.0.attention.key.weight" }).write(to: URL(fileURLWithPath: path))
        let missing = try CLIRunner.run(["import", work + "/pt", "--format", "pytorch", "--out", work + "/back"])
        #expect(missing.status != 0 && missing.stderr.contains("layers.0.attention.key.weight") && missing.stderr.contains(path), "\(missing.stderr)")
        var wrong = full
        wrong["layers.0.attention.key.weight"] = Safetensors.Tensor(name: "layers.0.attention.key.weight", shape: [8, 32], values: full["layers.0.attention.key.weight"]!.values)
        try Safetensors.encode(Array(wrong.values)).write(to: URL(fileURLWithPath: path))
        let shape = try CLIRunner.run(["import", work + "/pt", "--format", "pytorch", "--out", work + "/back"])
        #expect(shape.status != 0 && shape.stderr.contains("[8, 32]"), "\(shape.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work + "/back"))
        #expect((try FileManager.default.contentsOfDirectory(atPath: work)).allSatisfy { !$0.contains("partial") })
        // An export never lands on other files.
        writeFile(work + "/busy/notes.txt", "mine")
        let busy = try CLIRunner.run(["export", model, work + "/busy", "--format", "pytorch"])
        #expect(busy.status != 0 && busy.stderr.contains("notes.txt"), "\(busy.stderr)")
    }

    /// The export is what a PyTorch user loads (`load_state_dict`, strict), and what PyTorch saves
    /// after changing the weights is what srthub imports.
    @Test(.enabled(if: PythonPeers.torchPython != nil, "PyTorch is not installed (scripts/test.sh installs Debian's python3-torch into .cache/torch-venv)"))
    func pytorchLoadsTheExportAndItsChangesComeBack() throws {
        let model = try Self.checkpoint()
        let work = makeTempFolder()
        #expect(try CLIRunner.run(["export", model, work + "/pt", "--format", "pytorch"]).status == 0)
        let script = """
            import json, torch
            from safetensors.torch import load_file, save_file
            from srthub.torch_model import SRT
            config = json.load(open('\(work)/pt/config.json'))
            module = SRT(config['model'])
            module.load_state_dict(load_file('\(work)/pt/pytorch_model.safetensors'))  # strict: every name matches
            loaded = SRT.from_checkpoint('\(work)/pt').state_dict()
            same = all(torch.equal(loaded[k], v) for k, v in module.state_dict().items())
            with torch.no_grad():
                module.layers[1].attention.value.weight.mul_(2)
            save_file(module.state_dict(), '\(work)/pt/pytorch_model.safetensors')
            print(json.dumps({"same": same}))
            """
        writeFile(work + "/check.py", script)
        let run = try bash("'\(PythonPeers.torchPython!)' '\(work)/check.py'", environment: ["PYTHONPATH": PythonPeers.package])
        #expect(run.status == 0 && run.stdout.contains(#""same": true"#), "\(run.stdout)\(run.stderr)")
        let back = try CLIRunner.run(["import", work + "/pt", "--format", "pytorch", "--out", work + "/back"])
        #expect(back.status == 0, "\(back.stderr)")
        let before = try #require(try Self.tensors(model + "/model.safetensors")["layers.1.attention.qkv.weight"])
        let after = try #require(try Self.tensors(work + "/back/model.safetensors")["layers.1.attention.qkv.weight"])
        #expect(Array(after.values[0..<512]) == Array(before.values[0..<512]), "q and k are as they were")
        #expect(Array(after.values[512...]) == before.values[512...].map { $0 * 2 }, "v is PyTorch's doubled one")
    }
}
