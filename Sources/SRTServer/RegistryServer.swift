import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SRTRegistry

/// `srthub serve`: the OCI distribution API over a local registry's storage, on Hummingbird.
public struct RegistryServer: Sendable {
    public struct Settings: Sendable {
        public var host = "127.0.0.1"
        public var port = 5000
        public var isPrivate = false
        public var logRequests = true
        /// The most one PATCH or PUT body may carry.
        public var chunkLimit = 1 << 30
        /// Seconds a connection may stay silent (idle, or in the middle of sending a request) before
        /// it is closed: a client that opens connections and sends nothing, or half a request, no
        /// longer holds them forever.
        public var idleTimeout = 60
        /// Checks a pushed srthub model as a checkpoint folder before its manifest is stored (the
        /// server knows no model code: `srthub serve` passes the checkpoint validation in); a
        /// throw refuses the push with MANIFEST_INVALID and the thrown message.
        public var validateCheckpoint: (@Sendable (_ folder: String) throws -> Void)?
        public init() {}
    }

    public let registry: Registry
    public let tokens: TokenStore
    public let settings: Settings

    public init(registry: Registry, tokens: TokenStore, settings: Settings) {
        self.registry = registry
        self.tokens = tokens
        self.settings = settings
    }

    /// Serves until SIGTERM or SIGINT (then finishes the requests in flight); `ready` gets the
    /// bound port (useful with port 0).
    public func run(stopOnSignals: Bool = true, ready: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let responder = DistributionResponder(registry: registry, uploads: UploadSessions(folder: registry.home.tmpPath + "/uploads"),
                                              tokens: tokens, settings: settings)
        var logger = Logger(label: "srthub-serve")
        logger.logLevel = .warning
        let app = Application(
            responder: responder,
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(settings.idleTimeout)))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "srthub"),
            onServerRunning: { channel in ready(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: stopOnSignals ? [.sigterm, .sigint] : [])
    }
}
