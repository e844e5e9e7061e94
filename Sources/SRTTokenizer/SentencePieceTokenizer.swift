import CSentencePiece

/// A loaded SentencePiece model. Encoding is read-only on the C++ side, so one instance may be
/// shared across threads.
public final class SentencePieceTokenizer: @unchecked Sendable {
    private let handle: OpaquePointer
    public let modelPath: String

    public init(modelPath: String) throws(TokenizerError) {
        var err = [CChar](repeating: 0, count: 1024)
        guard let handle = csp_load(modelPath, &err, err.count) else {
            throw TokenizerError(
                kind: .load, path: modelPath, message: "cannot load SentencePiece model: \(cMessage(err))",
                hint: "check that the file exists and is a SentencePiece .model file (a checkpoint's tokenizer.model)")
        }
        self.handle = handle
        self.modelPath = modelPath
    }

    deinit { csp_free(handle) }

    public var vocabularySize: Int { Int(csp_vocab_size(handle)) }

    /// Token ids of `text`, as SentencePiece produces them (no normalization here: see TextNormalizer).
    public func encode(_ text: String) throws(TokenizerError) -> [Int32] {
        var utf8 = Array(text.utf8)
        var capacity = max(16, utf8.count + 2)
        var err = [CChar](repeating: 0, count: 512)
        while true {
            var ids = [Int32](repeating: 0, count: capacity)
            let n = utf8.withUnsafeMutableBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) {
                    csp_encode_ids(handle, $0.baseAddress, $0.count, &ids, Int32(capacity), &err, err.count)
                }
            }
            if n < 0 { throw TokenizerError(kind: .encode, path: modelPath, message: cMessage(err), hint: nil) }
            if Int(n) <= capacity { return Array(ids.prefix(Int(n))) }
            capacity = Int(n)
        }
    }

    /// The pieces of `text` (surface strings with SentencePiece's "▁" word marker).
    public func pieces(_ text: String) throws(TokenizerError) -> [String] {
        var utf8 = Array(text.utf8)
        var capacity = max(64, utf8.count * 4 + 16)
        var err = [CChar](repeating: 0, count: 512)
        while true {
            var out = [CChar](repeating: 0, count: capacity)
            let n = utf8.withUnsafeMutableBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) {
                    csp_encode_pieces(handle, $0.baseAddress, $0.count, &out, capacity, &err, err.count)
                }
            }
            if n < 0 { throw TokenizerError(kind: .encode, path: modelPath, message: cMessage(err), hint: nil) }
            if Int(n) < capacity {
                let joined = cMessage(out)
                return joined.isEmpty ? [] : joined.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            }
            capacity = Int(n) + 1
        }
    }

    /// The piece string of one id.
    public func piece(for id: Int32) throws(TokenizerError) -> String {
        var out = [CChar](repeating: 0, count: 256)
        let n = csp_id_to_piece(handle, id, &out, out.count)
        if n < 0 {
            throw TokenizerError(
                kind: .badID, path: modelPath, message: "id \(id) is outside the vocabulary (size \(vocabularySize))",
                hint: nil)
        }
        if Int(n) < out.count { return cMessage(out) }
        out = [CChar](repeating: 0, count: Int(n) + 1)
        _ = csp_id_to_piece(handle, id, &out, out.count)
        return cMessage(out)
    }
}
