import Crypto
import Foundation

/// Blob upload sessions: each is a file `tmp/uploads/<uuid>` (its size is the upload's offset, so
/// a session survives a server restart) and, while the server runs, the running sha256 of its
/// bytes, so closing an upload needs no second read.
actor UploadSessions {
    let folder: String
    private var hashers: [String: (hasher: SHA256, size: Int)] = [:]
    /// Sessions a request is writing to now: a second PATCH or PUT to one of them is refused, since
    /// two writers appending to one file interleaved their bytes.
    private var writing: Set<String> = []

    init(folder: String) {
        self.folder = folder
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    func path(_ id: String) -> String { folder + "/" + id }

    func start() -> String {
        let id = UUID().uuidString.lowercased()
        _ = FileManager.default.createFile(atPath: path(id), contents: nil)
        hashers[id] = (SHA256(), 0)
        return id
    }

    /// Bytes received so far, nil for an unknown session.
    func offset(_ id: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path(id))[.size] as? Int) ?? nil
    }

    func hasher(_ id: String) -> (hasher: SHA256, size: Int)? { hashers[id] }
    func update(_ id: String, _ state: (hasher: SHA256, size: Int)) { hashers[id] = state }

    /// Claims the session for one writer; false while another request writes to it.
    func claim(_ id: String) -> Bool { writing.insert(id).inserted }
    func release(_ id: String) { writing.remove(id) }

    func end(_ id: String) {
        hashers[id] = nil
        unlink(path(id))
    }
}
