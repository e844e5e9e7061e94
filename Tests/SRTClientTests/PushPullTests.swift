import Foundation
import Testing
import SRTClient
import SRTOCI
import SRTRegistry

@Suite(.serialized) struct PushPullTests {
    @Test func chunkedPushThenPullGivesTheSameDigestsAndEvaluations() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        try await blocking {
            let token = try server.tokens.create(name: "test")
            let a = try Registry(home: RegistryHome(path: temporaryFolder("a")))
            let added = try a.add(checkpoint: checkpointFolder(megabytes: 3), as: Reference(parsing: "toy:v1"))
            var seen: [TransferProgress] = []
            let pushed = try Push.run(a, Reference(parsing: "toy:v1"), to: server.remote("team/toy", token: token), tag: "v1",
                                      chunkSize: 1 << 20) { seen.append($0) }
            #expect(pushed.digest == added.digest && pushed.transferred == pushed.blobs && pushed.evaluations == 1)
            #expect(seen.last?.done == seen.last?.total && (seen.last?.total ?? 0) > 3_000_000)
            // Bytes are counted as they leave, not once per 1 MB chunk (it sat at 0% and then jumped),
            // and every blob reports once that it is done.
            let inside = Set(seen.map(\.done)).filter { $0 % (1 << 20) != 0 && $0 < seen.last!.total }
            #expect(inside.count > 10, "\(Set(seen.map(\.done)).sorted())")
            #expect(seen.compactMap(\.finished).count == pushed.transferred)
            #expect(try server.registry.tagged("team/toy", "v1") == added.digest)

            // A second push sends nothing: every blob is already there.
            let again = try Push.run(a, Reference(parsing: "toy:v1"), to: server.remote("team/toy", token: token), tag: "v2") { _ in }
            #expect(again.transferred == 0 && again.skipped == again.blobs)

            let b = try Registry(home: RegistryHome(path: temporaryFolder("b")))
            let pulled = try Pull.run(b, from: server.remote("team/toy", token: nil), reference: "v1", tag: Reference(parsing: "toy:pulled")) { _ in }
            #expect(pulled.digest == added.digest && pulled.evaluations == 1)
            let (manifest, _) = try b.manifest(pulled.digest)
            for blob in manifest.blobs { #expect(b.blobs.rehash(blob.digest) == blob.digest) }
            #expect(try b.evaluations(of: pulled.digest).first?.evaluation.metrics["ndcg@10"] == 0.25)
            #expect(try b.verify().problems.isEmpty)
            #expect(try server.remote("team/toy", token: nil).tags() == ["v1", "v2"])
        }
    }

    @Test func interruptedPullResumesWithARangeRequest() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        try await blocking {
            let added = try server.registry.add(checkpoint: checkpointFolder(megabytes: 2), as: Reference(parsing: "team/toy:v1"))
            let (manifest, _) = try server.registry.manifest(added.digest)
            let weights = manifest.layer(titled: "model.safetensors")!
            // What an interrupted pull leaves: the first 700 kB of the weights in tmp/pulls.
            let b = try Registry(home: RegistryHome(path: temporaryFolder("b")))
            try FileManager.default.createDirectory(atPath: b.home.tmpPath + "/pulls", withIntermediateDirectories: true)
            let prefix = try Data(contentsOf: URL(fileURLWithPath: server.registry.home.blobPath(weights.digest))).prefix(700_000)
            try prefix.write(to: URL(fileURLWithPath: b.home.tmpPath + "/pulls/" + weights.digest.hex))
            var reports: [Int] = []
            _ = try Pull.run(b, from: server.remote("team/toy", token: nil), reference: "v1", tag: nil) { reports.append($0.done) }
            // The config comes first, then the weights continue from the partial file, not from zero.
            #expect(reports.contains(manifest.config.size + 700_000), "\(reports.prefix(5))")
            #expect(b.blobs.rehash(weights.digest) == weights.digest)
            #expect(!FileManager.default.fileExists(atPath: b.home.tmpPath + "/pulls/" + weights.digest.hex))
        }
    }

    @Test func corruptBlobIsRefusedAndNothingIsStored() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        try await blocking {
            let added = try server.registry.add(checkpoint: checkpointFolder(megabytes: 1), as: Reference(parsing: "team/toy:v1"))
            let weights = try server.registry.manifest(added.digest).0.layer(titled: "model.safetensors")!
            // The server's copy is damaged on disk (same size, one byte flipped).
            let path = server.registry.home.blobPath(weights.digest)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[1000] ^= 0xFF
            try bytes.write(to: URL(fileURLWithPath: path))
            let b = try Registry(home: RegistryHome(path: temporaryFolder("b")))
            do {
                _ = try Pull.run(b, from: server.remote("team/toy", token: nil), reference: "v1", tag: Reference(parsing: "toy:v1")) { _ in }
                Issue.record("a corrupt blob was accepted")
            } catch let error as ClientError {
                #expect(error.kind == .corrupt && error.message.contains("refused"))
            }
            #expect(!b.blobs.contains(weights.digest))
            #expect(try b.list().isEmpty)
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: b.home.tmpPath + "/pulls")) ?? []).isEmpty)
        }
    }

    @Test func wrongTokenGets401AndAClearMessage() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        try await blocking {
            _ = try server.tokens.create(name: "real")
            let a = try Registry(home: RegistryHome(path: temporaryFolder("a")))
            _ = try a.add(checkpoint: checkpointFolder(megabytes: 0.1), as: Reference(parsing: "toy:v1"))
            for token in ["srt_wrong", nil] as [String?] {
                do {
                    _ = try Push.run(a, Reference(parsing: "toy:v1"), to: server.remote("team/toy", token: token), tag: "v1") { _ in }
                    Issue.record("push without a valid token succeeded")
                } catch let error as ClientError {
                    #expect(error.kind == .unauthorized)
                    #expect("\(error)".contains(token == nil ? "log in first" : "refused"), "\(error)")
                }
            }
            #expect(try server.registry.tagNames("team/toy").isEmpty)
        }
    }

    @Test func privateServerNeedsATokenToPull() async throws {
        let server = try await TestServer(private: true)
        defer { Task { await server.stop() } }
        try await blocking {
            let token = try server.tokens.create(name: "reader")
            _ = try server.registry.add(checkpoint: checkpointFolder(megabytes: 0.1), as: Reference(parsing: "team/toy:v1"))
            let b = try Registry(home: RegistryHome(path: temporaryFolder("b")))
            #expect(throws: ClientError.self) { try Pull.run(b, from: server.remote("team/toy", token: nil), reference: "v1", tag: nil) { _ in } }
            _ = try Pull.run(b, from: server.remote("team/toy", token: token), reference: "v1", tag: nil) { _ in }
        }
    }
}
