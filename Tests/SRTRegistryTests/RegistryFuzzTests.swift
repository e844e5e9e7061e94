import Foundation
import Testing
import SRTOCI
@testable import SRTRegistry

/// Seeded mutations of a checkpoint config and a manifest, read as the registry reads what arrives
/// from strangers: each ends in a clean error or a stored row, and `list` still works afterwards.
@Suite struct RegistryFuzzTests {
    struct Mutator {
        var state: UInt64
        mutating func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
        mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
            var b = bytes
            for _ in 0..<(1 + int(3)) {
                guard !b.isEmpty else { return [0x7B] }
                let i = int(b.count)
                switch int(5) {
                case 0: b.insert(contentsOf: Array(["1e300", "-1", "9223372036854775807", "null", "[]", "\"x\""][int(6)].utf8), at: i)
                case 1: b.removeSubrange(i..<min(b.count, i + 1 + int(8)))
                case 2: b[i] ^= UInt8(1 << int(8))
                case 3: b.insert(contentsOf: b[i..<min(b.count, i + 1 + int(20))], at: i)
                default: b[i] = [0x22, 0x7B, 0x7D, 0x3A, 0x2C][int(5)]
                }
            }
            return b
        }
    }

    @Test func mutatedConfigsAndManifestsNeverTrap() throws {
        let registry = try Registry(home: RegistryHome(path: NSTemporaryDirectory() + "fuzz-" + UUID().uuidString))
        let config = Array(#"{"name": "m", "dataset": "shop", "dataset_fingerprint": "sha256:ab", "method": "finetune", "parameters": {"total": 1000, "non_embedding": 10}, "parent": {"digest": "sha256:\#(String(repeating: "a", count: 64))", "reference": "x"}, "created": "2026-01-01T00:00:00Z", "catalogs": [{"name": "a", "fingerprint": "sha256:cd"}]}"#.utf8)
        var m = Mutator(state: 0x5EED_0004)
        for _ in 0..<2000 { _ = try? CheckpointMetadata(configJSON: Data(m.mutate(config))) }

        // Manifests whose blobs are here, mutated and received as a push would be.
        let (configDigest, configSize) = try registry.blobs.store(data: Data(config))
        let (layerDigest, layerSize) = try registry.blobs.store(data: Data("weights".utf8))
        let manifest = Array(Registry.encode(ImageManifest(artifactType: MediaType.model,
            config: Descriptor(mediaType: MediaType.modelConfig, digest: configDigest, size: configSize),
            layers: [Descriptor(mediaType: MediaType.safetensors, digest: layerDigest, size: layerSize)])))
        var stored = 0
        for i in 0..<1500 {
            let tag = try Reference(parsing: "fuzz:t\(i)")
            if (try? registry.receiveManifest(Data(m.mutate(manifest)), mediaType: MediaType.imageManifest, tag: tag)) != nil { stored += 1 }
        }
        #expect(stored < 1500)
        _ = try registry.list()  // every stored row still reads
    }
}
