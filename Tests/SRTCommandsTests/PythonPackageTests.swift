import Foundation
import Testing

/// The Python package in python/ (`import srthub`) runs a checkpoint that `srthub train` wrote and
/// gets srthub's item vectors, user vectors, scores and recommendation lists (python/tests/parity.py
/// compares them). It needs numpy, sentencepiece and safetensors (scripts/test.sh installs them);
/// the PyTorch module is checked where `import torch` works.
enum PythonPeers {
    static let package = CLIRunner.root + "/python"
    static let available = (try? bash("python3 -c 'import numpy, sentencepiece, safetensors'").status) == 0
    /// PyYAML, which parses the model card's front matter as a hub would.
    static let yaml = (try? bash("python3 -c 'import yaml'").status) == 0
    /// A Python that imports torch: scripts/test.sh's .cache/torch-venv (Debian's python3-torch), else python3 if it can.
    static let torchPython: String? = [CLIRunner.root + "/.cache/torch-venv/bin/python", "python3"].first { python in
        (try? bash("'\(python)' -c 'import torch, numpy, sentencepiece, safetensors' 2>/dev/null").status) == 0
    }
}

@Suite(.serialized, .enabled(if: CLIRunner.available && PythonPeers.available,
                             "the srthub executable is not built, or Python lacks numpy, sentencepiece or safetensors (pip install ./python)"))
struct PythonPackageTests {
    static let python = PythonPeers.package

    /// A catalog whose text exercises normalization (case, punctuation, accents, a mark, digits),
    /// two fields, an empty value and a column the model has no field for (joined into the title).
    static func shop() -> String {
        let folder = makeTempFolder() + "/shop"
        var inter = "user_id:token\titem_id:token\n"
        for u in 0..<50 { for t in 0..<(4 + u % 9) { inter += "u\(u)\ti\((u * 5 + t * 2) % 36)\n" } }
        let words = ["Crème", "brûlée", "N°5!!", "Ⓐ-line", "SHAMPOO", "e\u{301}clat", "3-pack", "ultra_soft", "  matte  ", "gloss"]
        var items = "item_id:token\ttitle:token_seq\tbrand:token\tnote:token_seq\n"
        for i in 0..<36 {
            let title = (0..<3).map { words[(i * 3 + $0 * 7) % words.count] }.joined(separator: " ") + " #\(i)"
            items += "i\(i)\t\(title)\t\(i % 4 == 0 ? "" : ["Acme", "Zeta & Co."][i % 2])\t\(i % 3 == 0 ? "new, improved" : "")\n"
        }
        writeFile(folder + "/shop.inter", inter)
        writeFile(folder + "/shop.item", items)
        return folder
    }

    func parity(encoder: String, norm: String, torch: Bool = false) throws -> [String: Any] {
        let data = Self.shop()
        let work = makeTempFolder()
        writeFile(work + "/arch.json", #"{"name": "t", "layers": 2, "heads": 2, "hidden": 16, "inner": 24, "max_length": 6, "norm": "\#(norm)"}"#)
        let train = try CLIRunner.run(["train", "--data", data, "--preset", work + "/arch.json", "--epochs", "2", "--vocab-size", "70",
                                       "--batch", "8", "--fields", "title,brand", "--out", work + "/model"]
                                      + (encoder == "text+ids" ? ["--item-encoder", "text", "--item-ids"] : ["--item-encoder", encoder]))
        #expect(train.status == 0, "\(train.stderr)")
        // Histories shorter and longer than max_length (6), with repeats.
        writeFile(work + "/histories.txt", "i0,i5,i9\ni1\ni3,i3,i4,i7,i8,i10,i11,i20,i21,i30\ni35,i2,i17,i2,i6,i12\n")
        let recommend = try CLIRunner.run(["recommend", work + "/model", "--histories", work + "/histories.txt", "-k", "36", "--json",
                                           "--vectors", work + "/vectors.safetensors"])
        #expect(recommend.status == 0, "\(recommend.stderr)")
        writeFile(work + "/recommend.json", recommend.stdout)
        let run = try bash("'\(torch ? PythonPeers.torchPython ?? "python3" : "python3")' '\(Self.python)/tests/parity.py' '\(work)/model' '\(work)/histories.txt' '\(work)/vectors.safetensors' '\(work)/recommend.json'"
                           + (torch ? " --torch" : ""), environment: ["PYTHONPATH": Self.python])
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
    }

    static func expectClose(_ report: [String: Any], _ keys: [String]) {
        for key in keys {
            let error = report[key] as? Double ?? .infinity
            #expect(error <= 1e-5, "\(key): largest relative difference \(error)")
        }
        #expect(report["same_lists"] as? Bool == true, "\(report)")
    }

    @Test(arguments: [("text", "post"), ("text", "pre"), ("id", "post"), ("text+ids", "post")])
    func pythonMatchesSrthub(encoder: String, norm: String) throws {
        Self.expectClose(try parity(encoder: encoder, norm: norm), ["items", "users", "scores", "recommend_scores"])
    }

    @Test(.enabled(if: PythonPeers.torchPython != nil, "PyTorch is not installed (scripts/test.sh installs Debian's python3-torch into .cache/torch-venv): the NumPy path was checked"),
          arguments: ["text", "text+ids"])
    func thePyTorchModuleMatchesSrthub(encoder: String) throws {
        let report = try parity(encoder: encoder, norm: "post", torch: true)
        Self.expectClose(report, ["torch_items", "torch_users"])
        #expect(report["torch_state_dict_exact"] as? Bool == true, "the module's state dict is model.safetensors as it is")
    }

    /// A config.json from a newer srthub is refused by name on both sides, not misread.
    @Test func aNewerFormatVersionIsRefused() throws {
        let (data, preset) = TrainCommandTests.data()
        let out = makeTempFolder() + "/model"
        #expect(try CLIRunner.run(["train", "--data", data, "--preset", preset, "--epochs", "1", "--vocab-size", "60", "--batch", "8", "--out", out]).status == 0)
        let path = out + "/config.json"
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(config["format_version"] as? Int == 1)
        config["format_version"] = 3
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        let swift = try CLIRunner.run(["recommend", out, "--history", "i1"])
        #expect(swift.status != 0 && swift.stderr.contains("format_version 3") && swift.stderr.contains("upgrade srthub"), "\(swift.stderr)")
        let python = try bash("python3 -c 'import srthub; srthub.load(\"\(out)\")'", environment: ["PYTHONPATH": Self.python])
        #expect(python.status != 0 && python.stderr.contains("format_version 3"), "\(python.stderr)")
    }
}
