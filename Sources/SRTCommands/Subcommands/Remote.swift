import ArgumentParser
import Foundation
import SRTClient
import SRTRegistry

struct Remote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage named remotes (OCI registries: srthub serve, the CNCF registry, …).",
        subcommands: [AddRemote.self, SetURL.self, ListRemotes.self, RemoveRemote.self, Tags.self])

    struct AddRemote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add a remote: srthub remote add origin http://127.0.0.1:5000")
        @Argument(help: "Name (lower case, no dots).") var name: String
        @Argument(help: "Base URL, e.g. http://127.0.0.1:5000.") var url: String
        @Flag(help: "Replace the URL of a remote of that name (as remote set-url does).") var force = false
        @OptionGroup var home: HomeOptions
        func run() async throws {
            let previous = config(home).remotes()[name]
            try Failure.reporting { try config(home).addRemote(name, url: url, replacing: force) }
            if let warning = RemoteConfig.plainHTTPWarning(url) { FileHandle.standardError.write(Data("srthub: warning: \(warning)\n".utf8)) }
            if home.json { return try printJSON(["name": name, "url": url]) }
            print("remote \(name) → \(url)" + (previous.map { $0 != url ? " (was \($0))" : "" } ?? ""))
        }
    }

    struct SetURL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-url", abstract: "Point a remote at another URL: srthub remote set-url origin http://hub:5000")
        @Argument(help: "Name of an existing remote.") var name: String
        @Argument(help: "New base URL.") var url: String
        @OptionGroup var home: HomeOptions
        func run() async throws {
            let previous = config(home).remotes()[name]
            try Failure.reporting { try config(home).setRemoteURL(name, url: url) }
            if home.json { return try printJSON(["name": name, "url": url]) }
            print("remote \(name) → \(url)" + (previous.map { " (was \($0))" } ?? ""))
        }
    }

    struct ListRemotes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List remotes.", aliases: ["ls"])
        @OptionGroup var home: HomeOptions
        func run() async throws {
            let remotes = config(home).remotes().mapValues { RemoteConfig.redacted($0) }  // an older remotes.json may hold a password
            if home.json { return try printJSON(remotes) }
            for (name, url) in remotes.sorted(by: { $0.key < $1.key }) { print("\(name)\t\(RemoteConfig.redacted(url))") }
        }
    }

    struct RemoveRemote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a remote.", aliases: ["rm"])
        @Argument var name: String
        @OptionGroup var home: HomeOptions
        func run() async throws {
            try Failure.reporting { try config(home).removeRemote(name) }
            if !home.json { print("removed remote \(name)") }
        }
    }

    struct Tags: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tags", abstract: "List a remote repository's tags: srthub remote tags origin/team/shop")
        @Argument(help: "REMOTE/ns/name or host:port/ns/name.") var repository: String
        @OptionGroup var home: HomeOptions
        func run() async throws {
            let tags = try Failure.reporting { try config(home).repository(repository).remote.tags() }
            if home.json { return try printJSON(tags) }
            tags.forEach { print($0) }
        }
    }
}

func config(_ home: HomeOptions) -> RemoteConfig {
    RemoteConfig(home: (home.path.map(RegistryHome.init(path:)) ?? RegistryHome.fromEnvironment()).path)
}

struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store credentials for a remote (mode 0600 in $SRTHUB_HOME/credentials.json).",
        discussion: """
            For srthub serve, the secret is a token from `srthub token create`; for registries with \
            user accounts, a password or access token. The login is checked against the remote.

            Examples:
              echo "$TOKEN" | srthub login origin --token-stdin
              srthub login 127.0.0.1:5055 --username ci --password-stdin < password.txt
            """)

    @Argument(help: "A remote name or host:port.") var remote: String
    @Option(help: "User name (any name for srthub serve).") var username = "srthub"
    @Flag(name: [.customLong("token-stdin"), .customLong("password-stdin")], help: "Read the secret from standard input.") var stdin = false
    @Option(help: "The secret (prefer --token-stdin: arguments show up in ps).") var token: String?
    @OptionGroup var home: HomeOptions

    func validate() throws {
        if stdin == (token != nil) { throw ValidationError("pass the secret with --token-stdin (or --token)") }
    }

    func run() async throws {
        let secret = token ?? (readLine(strippingNewline: true) ?? "")
        guard !secret.isEmpty else { throw ValidationError("the secret is empty") }
        let settings = config(home)
        try Failure.reporting {
            let (url, _, host) = try settings.locate(remote.contains("/") ? remote : remote + "/library/login-check")
            let credentials = RemoteConfig.Credentials(username: username, secret: secret)
            // Checked with a write-scoped request: a POST that a valid token turns into an upload session.
            let check = RemoteRegistry(baseURL: url, repository: "library/login-check", credentials: credentials)
            try check.verifyPushAccess()
            try settings.saveCredentials(credentials, for: host)
            if let warning = RemoteConfig.plainHTTPWarning(url) { FileHandle.standardError.write(Data("srthub: warning: \(warning)\n".utf8)) }
            if !home.json { print("logged in to \(host)") } else { try printJSON(["host": host, "url": url]) }
        }
    }
}
