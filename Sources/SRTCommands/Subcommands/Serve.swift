import ArgumentParser
import Foundation
import SRTTraining
import SRTRegistry
import SRTServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the local registry over HTTP with the OCI distribution API (pull and push).",
        discussion: """
            Any OCI client can pull from it (srthub pull, oras, …). Pull is anonymous unless \
            --private; push needs a bearer token created with `srthub token create` (only its hash \
            is kept, in $SRTHUB_HOME/tokens or --token-file). One log line per request on stderr; \
            SIGTERM or Ctrl-C stops after the requests in flight.

            Examples:
              srthub serve                                  (http://127.0.0.1:5000)
              srthub serve --addr 127.0.0.1:5055 --private
            """)

    @Option(help: "host:port to listen on (port 0 picks a free one).") var addr = "127.0.0.1:5000"
    @Option(help: "File of token hashes (default: $SRTHUB_HOME/tokens).") var tokenFile: String?
    @Flag(help: "Require a token for pulls too.") var `private` = false
    @Flag(help: "No request log lines.") var quiet = false
    @Option(help: "Largest upload chunk or single upload accepted, in MiB.") var maxChunkMb = 1024
    @Option(help: "Seconds a connection may send nothing (idle, or halfway through a request) before it is closed.") var idleTimeout = 60
    @OptionGroup var home: HomeOptions

    func validate() throws {
        guard addr.split(separator: ":").count == 2, Int(addr.split(separator: ":")[1]) != nil else {
            throw ValidationError("'--addr' must be host:port, e.g. 127.0.0.1:5000")
        }
        if idleTimeout < 1 { throw ValidationError("'--idle-timeout' must be at least 1 second, got \(idleTimeout)") }
    }

    func run() async throws {
        let registry = try home.open()
        var settings = RegistryServer.Settings()
        settings.host = String(addr.split(separator: ":")[0])
        settings.port = Int(addr.split(separator: ":")[1])!
        settings.isPrivate = `private`
        settings.logRequests = !quiet
        settings.chunkLimit = maxChunkMb << 20
        settings.idleTimeout = idleTimeout
        settings.validateCheckpoint = { folder in try Checkpoint.validate(folder) }  // as `add` checks a folder
        let tokens = TokenStore(path: tokenFile ?? registry.home.path + "/tokens")
        let server = RegistryServer(registry: registry, tokens: tokens, settings: settings)
        let json = home.json
        let home = registry.home.path
        let host = settings.host
        let access = settings.isPrivate ? "private" : "anonymous"
        do {
            try await server.run { port in
                // Written unbuffered: scripts wait for this line to know the port.
                let line = json ? #"{"url": "http://\#(host):\#(port)", "home": "\#(home)"}"#
                    : "srthub serve: http://\(host):\(port) (registry \(home)); pull is \(access), push needs a token"
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        } catch {
            throw Failure.report(ClientErrorMessage("cannot serve on \(addr): \(error)"))
        }
    }
}
