import Foundation
import SRTClient
import SRTOCI
import SRTRegistry
import SRTServer

/// `srthub serve` in this process on a free loopback port, over a fresh registry home.
final class TestServer: @unchecked Sendable {
    let registry: Registry
    let tokens: TokenStore
    let port: Int
    let task: Task<Void, any Error>
    var url: String { "http://127.0.0.1:\(port)" }

    init(private isPrivate: Bool = false) async throws {
        registry = try Registry(home: RegistryHome(path: temporaryFolder("server")))
        tokens = TokenStore(path: registry.home.path + "/tokens")
        var settings = RegistryServer.Settings()
        settings.port = 0
        settings.isPrivate = isPrivate
        settings.logRequests = false
        settings.chunkLimit = 8 << 20
        let server = RegistryServer(registry: registry, tokens: tokens, settings: settings)
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        task = Task { try await server.run(stopOnSignals: false) { continuation.yield($0) } }
        var iterator = stream.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    func remote(_ repository: String, token: String?) -> RemoteRegistry {
        RemoteRegistry(baseURL: url, repository: repository, credentials: token.map { .init(username: "test", secret: $0) })
    }
}

func temporaryFolder(_ label: String) -> String {
    let path = NSTemporaryDirectory() + "srthub-\(label)-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A checkpoint folder the registry accepts: config.json, `megabytes` of random weights, an eval.json.
func checkpointFolder(megabytes: Double = 3, parent: Digest? = nil, seed: UInt8 = 1) -> String {
    let folder = temporaryFolder("ckpt")
    var config: [String: Any] = ["format": "srthub.checkpoint.v1", "dataset": "toy", "dataset_fingerprint": "sha256:" + String(repeating: "a", count: 64),
                                 "method": parent == nil ? "pretrain" : "finetune progressive", "created": "2026-11-22T00:00:00Z",
                                 "parameters": ["total": 1000, "non_embedding": 100]]
    if let parent { config["parent"] = ["digest": parent.description, "reference": "base"] }
    try! JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]).write(to: URL(fileURLWithPath: folder + "/config.json"))
    var bytes = [UInt8](repeating: 0, count: Int(megabytes * 1_000_000))
    var state = UInt32(seed) &* 2654435761 | 1
    for i in bytes.indices { state ^= state << 13; state ^= state >> 17; state ^= state << 5; bytes[i] = UInt8(truncatingIfNeeded: state) }
    try! Data(bytes).write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
    let eval = [["dataset": "toy", "dataset_fingerprint": "sha256:" + String(repeating: "a", count: 64), "protocol": "leave-one-out",
                 "mode": "full, history masked", "metrics": ["ndcg@10": 0.25]]]
    try! JSONSerialization.data(withJSONObject: eval).write(to: URL(fileURLWithPath: folder + "/eval.json"))
    return folder
}

/// Runs blocking client work (libcurl) on a Dispatch thread, so the in-process server's async
/// handlers keep the cooperative threads.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
