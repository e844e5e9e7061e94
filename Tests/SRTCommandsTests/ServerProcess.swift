import Foundation

/// A registry server run as its own process: `srthub serve` or the CNCF distribution registry.
final class ServerProcess {
    let process = Process()
    let url: String
    var port: Int { Int(url.split(separator: ":").last!)! }

    /// `srthub serve --addr 127.0.0.1:PORT` (0 picks a free port) over `home` (relative to
    /// `workingDirectory` where one is given).
    init(srthubHome home: String, port: Int = 0, extra: [String] = [], workingDirectory: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: CLIRunner.executable!)
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        process.arguments = ["serve", "--addr", "127.0.0.1:\(port)", "--home", home, "--json", "--quiet"] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line says where it listens.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let object = try JSONSerialization.jsonObject(with: line.prefix { $0 != UInt8(ascii: "\n") }) as? [String: Any]
        url = object?["url"] as? String ?? "http://127.0.0.1:0"
    }

    /// The CNCF distribution registry (Debian's docker-registry) with a temp config on loopback;
    /// with `htpasswd`, Basic auth against that file.
    init(distributionRegistryIn folder: String, htpasswd: String? = nil) throws {
        let port = freePort()
        var config = """
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: \(folder)/data
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)

            """
        if let htpasswd { config += "auth:\n  htpasswd:\n    realm: srthub-test\n    path: \(htpasswd)\n" }
        try config.write(toFile: folder + "/config.yml", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: Self.distributionBinary)
        process.arguments = ["serve", folder + "/config.yml"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        url = "http://127.0.0.1:\(port)"
        var tries = 0
        while tries < 100, (try? bash("curl -s -o /dev/null -w '%{http_code}' \(url)/v2/ | grep -q '200\\|401'").status) != 0 {
            usleep(50_000)
            tries += 1
        }
    }

    static let distributionBinary = "/usr/bin/docker-registry"
    static var distributionAvailable: Bool { FileManager.default.isExecutableFile(atPath: distributionBinary) }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    deinit { if process.isRunning { kill9() } }
}

func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// An opaque checkpoint folder (no model section) the registry accepts, with `megabytes` of random weights (from /dev/urandom)
/// and, for a child, its parent's digest, so lineage can be followed across homes.
func fakeCheckpoint(megabytes: Int = 1, parent: String? = nil, name: String = "toy") throws -> String {
    let folder = makeTempFolder() + "/" + name
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var config: [String: Any] = ["name": name, "dataset": "toy", "dataset_fingerprint": "sha256:" + String(repeating: "a", count: 64),
                                 "method": parent == nil ? "pretrain" : "finetune progressive, EWC λ=100", "created": "2026-11-22T00:00:00Z",
                                 "parameters": ["total": 1000, "non_embedding": 100]]
    if let parent { config["parent"] = ["digest": parent, "reference": "base"] }
    try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]).write(to: URL(fileURLWithPath: folder + "/config.json"))
    // A sound float32 safetensors file (`add` checks it): bytes below 0x80 keep every float finite.
    try safetensorsHeader(floats: megabytes * 250_000).write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
    _ = try bash("head -c \(megabytes * 1_000_000) /dev/urandom | tr '\\200-\\377' '\\000-\\177' >> \(folder)/model.safetensors")
    let eval = #"[{"dataset": "toy", "dataset_fingerprint": "sha256:\#(String(repeating: "a", count: 64))", "protocol": "leave-one-out", "mode": "full, history masked", "metrics": {"ndcg@10": 0.125}}]"#
    try eval.write(toFile: folder + "/eval.json", atomically: true, encoding: .utf8)
    return folder
}
