import ArgumentParser
import Foundation
import SRTRegistry

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage push tokens of `srthub serve`.",
        subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token, print it once, and store only its hash.",
            discussion: "Example:\n  srthub token create --name ci\nthen, on the client:\n  srthub login 127.0.0.1:5000 --token-stdin")

        @Option(help: "A label for the token.") var name = "default"
        @Option(help: "File of token hashes (default: $SRTHUB_HOME/tokens).") var tokenFile: String?
        @OptionGroup var home: HomeOptions

        func run() async throws {
            let registry = try home.open()
            let store = TokenStore(path: tokenFile ?? registry.home.path + "/tokens")
            let token = try Failure.reporting { try store.create(name: name) }
            if home.json { return try printJSON(["token": token, "name": name, "file": store.path]) }
            print(token)
            printError("srthub: token '\(name)' created; its hash is in \(store.path). It is shown only now.")
        }
    }
}

/// A plain message as an error (exit 70 unless mapped).
struct ClientErrorMessage: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}
