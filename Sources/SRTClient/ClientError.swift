/// What a push or pull can fail with, each with what to do about it.
public struct ClientError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Wrong or missing credentials (401/403).
        case unauthorized
        /// The remote has no such repository, tag, manifest or blob.
        case notFound
        /// The server could not be reached or the connection broke.
        case unreachable
        /// Content does not match its digest or size: refused, nothing stored.
        case corrupt
        /// Not enough free space for the download.
        case diskFull
        /// The server answered something the protocol does not allow, or refused the request.
        case protocolError
        case badInput
        /// Stopped by the user (Ctrl-C, SIGTERM); what arrived is kept for the next try.
        case interrupted
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
}
