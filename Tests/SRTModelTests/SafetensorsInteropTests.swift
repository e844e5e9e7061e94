import Foundation
import Testing
@testable import SRTModel

/// model.safetensors must read in the Python ecosystem unchanged: the `safetensors` package from
/// PyPI (what PyTorch users load it with) reads every tensor with its name, shape and values.
@Suite struct SafetensorsInteropTests {
    static let python: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import safetensors.numpy"]
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    @Test(.enabled(if: python, "the Python package safetensors is not installed (scripts/test.sh installs it with pip)"))
    func pythonSafetensorsReadsOurFile() throws {
        let net = NetworkGradientTests.network(.text)
        let path = NSTemporaryDirectory() + "srthub-interop-\(UUID().uuidString).safetensors"
        try Safetensors.encode(net.tensors(), metadata: ["format": "pt"]).write(to: URL(fileURLWithPath: path))
        let script = """
            import json, sys
            from safetensors.numpy import load_file
            from safetensors import safe_open
            tensors = load_file(sys.argv[1])
            with safe_open(sys.argv[1], framework="numpy") as f:
                meta = f.metadata()
            print(json.dumps({"meta": meta, "tensors": {k: {"shape": list(v.shape), "dtype": str(v.dtype), "sum": float(v.astype("float64").sum()), "first": float(v.flat[0])} for k, v in tensors.items()}}))
            """
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, path]
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((json["meta"] as? [String: String])?["format"] == "pt")
        let tensors = try #require(json["tensors"] as? [String: [String: Any]])
        #expect(tensors.count == net.layout.entries.count)
        for entry in net.layout.entries {
            let t = try #require(tensors[entry.name], "\(entry.name) missing in Python")
            #expect(t["shape"] as? [Int] == entry.shape)
            #expect(t["dtype"] as? String == "float32")
            let values = Array(UnsafeBufferPointer(start: net.params.pointer + entry.offset, count: entry.count))
            #expect(abs((t["sum"] as! Double) - values.reduce(0.0) { $0 + Double($1) }) < 1e-6)
            #expect(Float(t["first"] as! Double) == values[0])  // the same float32, bit for bit
        }
    }
}
