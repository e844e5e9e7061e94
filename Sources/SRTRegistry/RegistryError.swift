import SRTOCI

/// Everything the local registry can refuse, with the path, reference or digest and the fix.
public struct RegistryError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        case notFound, badCheckpoint, digestMismatch, storage, readOnly, diskFull, database, badLayout
    }
    public let kind: Kind
    public let message: String
    public let hint: String?

    public init(_ kind: Kind, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    public var description: String { hint.map { "\(message)\n  hint: \($0)" } ?? message }

    /// Maps an OS error number from a failed write to a message that says what to do.
    static func fromErrno(_ code: Int32, path: String, doing: String) -> RegistryError {
        switch code {
        case 28, 122:  // ENOSPC, EDQUOT
            return RegistryError(.diskFull, "\(path): no space left on the device while \(doing)",
                                 hint: "free some space and try again; nothing was recorded (srthub gc removes any unrecorded leftovers)")
        case 30, 13, 1:  // EROFS, EACCES, EPERM
            return RegistryError(.readOnly, "\(path): cannot write (\(String(cString: strerror(code)))) while \(doing)",
                                 hint: "make $SRTHUB_HOME writable or point SRTHUB_HOME at a writable folder; nothing was changed")
        default:
            return RegistryError(.storage, "\(path): \(String(cString: strerror(code))) while \(doing)")
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// swift-crypto also has a `Digest`; in this module the name means ours.
public typealias Digest = SRTOCI.Digest
