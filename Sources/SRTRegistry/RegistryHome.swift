import Foundation
import SRTOCI

/// The folder that holds a local registry:
///
///     $SRTHUB_HOME (default ~/.srthub)
///       registry.sqlite (+ -wal, -shm)   metadata
///       registry.sqlite.lock             flock: one process at a time opens and migrates it
///       blobs/sha256/<2 hex>/<64 hex>    content-addressed blobs, only ever complete
///       tmp/                             in-progress writes (removed by gc)
///       lock                             flock: writers share it, gc takes it alone
public struct RegistryHome: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// `$SRTHUB_HOME`, else `~/.srthub`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> RegistryHome {
        if let home = environment["SRTHUB_HOME"], !home.isEmpty { return RegistryHome(path: home) }
        return RegistryHome(path: FileManager.default.homeDirectoryForCurrentUser.path + "/.srthub")
    }

    public var databasePath: String { path + "/registry.sqlite" }
    public var blobsPath: String { path + "/blobs/sha256" }
    public var tmpPath: String { path + "/tmp" }
    public var lockPath: String { path + "/lock" }

    public func blobPath(_ digest: Digest) -> String {
        blobsPath + "/" + digest.hex.prefix(2) + "/" + digest.hex
    }

    /// Creates the folders if needed; a read-only or full location gives a clear error.
    public func create() throws(RegistryError) {
        for folder in [path, blobsPath, tmpPath] {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                let code = (error as NSError).userInfo[NSUnderlyingErrorKey].flatMap { ($0 as? NSError)?.code } ?? Int(EACCES)
                throw RegistryError.fromErrno(Int32(code), path: folder, doing: "creating the registry home")
            }
        }
        if access(path, W_OK) != 0 {
            throw RegistryError.fromErrno(errno, path: path, doing: "opening the registry home")
        }
    }
}
