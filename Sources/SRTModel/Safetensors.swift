import Foundation

/// The safetensors format (huggingface/safetensors): 8-byte little-endian header length, a JSON
/// header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}` padded with
/// spaces to a multiple of 8, then the raw little-endian data. Only F32 is written or read here.
public enum Safetensors {
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let values: [Float]
        public init(name: String, shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count, "\(name): shape \(shape) does not match \(values.count) values")
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    public static func encode(_ tensors: [Tensor], metadata: [String: String] = [:]) -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for t in tensors {
            let bytes = t.values.count * 4
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for t in tensors { t.values.withUnsafeBytes { out.append(contentsOf: $0) } }  // x86-64 and arm64 are little-endian
        return out
    }

    public struct FormatError: Error, CustomStringConvertible {
        public let path: String
        public let message: String
        public var description: String { "\(path): \(message)\n  hint: the file is not a float32 safetensors file written by srthub or PyTorch" }
    }

    /// Decodes every tensor (F32 only), keyed by name, plus the metadata.
    public static func decode(_ data: Data, path: String = "model.safetensors") throws(FormatError) -> (tensors: [String: Tensor], metadata: [String: String]) {
        let decoded = try decodeInFileOrder(data, path: path)
        return (Dictionary(uniqueKeysWithValues: decoded.tensors.map { ($0.name, $0) }), decoded.metadata)
    }

    /// Decodes every tensor (F32 only) in the order of their data in the file, plus the metadata.
    public static func decodeInFileOrder(_ data: Data, path: String = "model.safetensors") throws(FormatError) -> (tensors: [Tensor], metadata: [String: String]) {
        func fail(_ m: String) -> FormatError { FormatError(path: path, message: m) }
        guard data.count >= 8 else { throw fail("shorter than its 8-byte header length") }
        let declared = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard declared > 0, declared <= UInt64(data.count - 8) else { throw fail("header length \(declared) is beyond the end of the file") }
        let headerLength = Int(declared)
        guard let header = (try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength)))) as? [String: Any] else {
            throw fail("the header is not a JSON object")
        }
        let body = data.subdata(in: (8 + headerLength)..<data.count)
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        var spans: [(begin: Int, end: Int, name: String)] = []
        for (name, value) in header {
            if name == "__metadata__" { metadata = value as? [String: String] ?? [:]; continue }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw fail("tensor '\(name)' has a malformed entry")
            }
            guard dtype == "F32" else { throw fail("tensor '\(name)' is \(dtype); only F32 is supported") }
            // Checked arithmetic throughout: a file's numbers must never trap.
            var count = 1
            for dimension in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard dimension >= 0, !overflow else { throw fail("tensor '\(name)' has shape \(shape), which cannot be true") }
                count = product
            }
            let (begin, end) = (offsets[0], offsets[1])
            let (bytes, overflow) = count.multipliedReportingOverflow(by: 4)
            guard !overflow, begin >= 0, end >= begin, end <= body.count, end - begin == bytes else {
                throw fail("tensor '\(name)' has offsets \(offsets) that do not fit its shape \(shape) or the file")
            }
            spans.append((begin, end, name))
            let values = body.subdata(in: begin..<end).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            tensors[name] = Tensor(name: name, shape: shape, values: values)
        }
        spans.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for (a, b) in zip(spans, spans.dropFirst()) where b.begin < a.end {
            throw fail("tensors '\(a.name)' and '\(b.name)' overlap in the file")
        }
        return (spans.map { tensors[$0.name]! }, metadata)
    }
}

extension Network {
    /// Every parameter as a named tensor, in layout order.
    public func tensors() -> [Safetensors.Tensor] {
        layout.entries.map { e in Safetensors.Tensor(name: e.name, shape: e.shape, values: Array(UnsafeBufferPointer(start: params.pointer + e.offset, count: e.count))) }
    }

    /// Loads parameters by name; every tensor of the layout must be present with its shape.
    public func load(_ tensors: [String: Safetensors.Tensor], path: String) throws(Safetensors.FormatError) {
        for e in layout.entries {
            guard let t = tensors[e.name] else { throw Safetensors.FormatError(path: path, message: "tensor '\(e.name)' is missing") }
            guard t.shape == e.shape else {
                throw Safetensors.FormatError(path: path, message: "tensor '\(e.name)' has shape \(t.shape), the config says \(e.shape)")
            }
            guard t.values.allSatisfy(\.isFinite) else {
                throw Safetensors.FormatError(path: path, message: "tensor '\(e.name)' holds NaN or infinite values")
            }
            t.values.withUnsafeBufferPointer { (params.pointer + e.offset).update(from: $0.baseAddress!, count: e.count) }
        }
    }
}
