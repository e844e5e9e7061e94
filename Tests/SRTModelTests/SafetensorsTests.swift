import Foundation
import Testing
@testable import SRTModel

@Suite struct SafetensorsTests {
    @Test func roundTripAndByteLayout() throws {
        let tensors = [Safetensors.Tensor(name: "a.weight", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
                       Safetensors.Tensor(name: "b", shape: [1], values: [-0.5])]
        let data = Safetensors.encode(tensors, metadata: ["format": "pt"])
        let headerLength = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        #expect(headerLength % 8 == 0)
        #expect(data.count == 8 + headerLength + 7 * 4)
        let (decoded, metadata) = try Safetensors.decode(data)
        #expect(decoded["a.weight"] == tensors[0])
        #expect(decoded["b"] == tensors[1])
        #expect(metadata == ["format": "pt"])
    }

    @Test func networkWeightsSurviveASaveAndLoad() throws {
        let net = NetworkGradientTests.network(.text)
        let data = Safetensors.encode(net.tensors())
        let other = NetworkGradientTests.network(.text)
        other.initialize(seed: 999)
        try other.load(Safetensors.decode(data).tensors, path: "x")
        #expect(other.params.array == net.params.array)
    }

    @Test func truncatedOrWrongFilesAreRefused() throws {
        let data = Safetensors.encode([Safetensors.Tensor(name: "w", shape: [4], values: [1, 2, 3, 4])])
        #expect(throws: Safetensors.FormatError.self) { try Safetensors.decode(data.prefix(data.count - 4)) }
        #expect(throws: Safetensors.FormatError.self) { try Safetensors.decode(Data([1, 2, 3])) }
        let net = NetworkGradientTests.network(.id)
        #expect {
            try net.load(Safetensors.decode(data).tensors, path: "model.safetensors")
        } throws: { error in
            "\(error)".contains("is missing")
        }
    }
}
