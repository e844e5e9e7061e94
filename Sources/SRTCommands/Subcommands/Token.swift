import ArgumentParser
import Foundation
import SRTRegistry

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage push tokens of `srthub serve`.",
        subcommands: [Create.self, List.self, Revoke.self])

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

extension Token {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the server's tokens: name, creation time and hash (the tokens themselves are not stored).", aliases: ["ls"])
        @Option(help: "File of token hashes (default: $SRTHUB_HOME/tokens).") var tokenFile: String?
        @OptionGroup var home: HomeOptions

        func run() async throws {
            let store = TokenStore(path: try tokenFile ?? home.open().home.path + "/tokens")
            let entries = store.list()
            if home.json { return try printJSON(entries) }
            guard !entries.isEmpty else { return print("no tokens (srthub token create makes one)") }
            var table = TextTable(header: ["NAME", "CREATED", "HASH"])
            table.rows = entries.map { [$0.name, $0.created, String($0.hash.prefix(19))] }
            print(table.render())
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke tokens by name (every token of that name) or by hash prefix; a running server refuses them at once.",
            discussion: "Examples:\n  srthub token revoke ci\n  srthub token revoke sha256:3f2a9c01")
        @Argument(help: "A token name, or the start of its hash (at least 8 hex digits).") var name: String
        @Option(help: "File of token hashes (default: $SRTHUB_HOME/tokens).") var tokenFile: String?
        @OptionGroup var home: HomeOptions

        func run() async throws {
            let store = TokenStore(path: try tokenFile ?? home.open().home.path + "/tokens")
            let revoked = try Failure.reporting { try store.revoke(name) }
            if home.json { return try printJSON(revoked) }
            for entry in revoked { print("revoked \(entry.name) (\(entry.hash.prefix(19)), created \(entry.created))") }
        }
    }
}

/// A plain message as an error (exit 70 unless mapped).
struct ClientErrorMessage: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}
