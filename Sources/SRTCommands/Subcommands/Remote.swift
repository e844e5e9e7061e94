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
            user accounts, a password or access token. The login is checked against the remote. A \
            login to a remote's name stays with that name when its URL changes (remote set-url). On \
            a terminal, without --token-stdin, the secret is asked for without echo. In CI, set \
            SRTHUB_TOKEN (and SRTHUB_USERNAME) instead: they serve any remote with no stored login.

            Examples:
              srthub login origin                         (asks for the token)
              echo "$TOKEN" | srthub login origin --token-stdin
              srthub login 127.0.0.1:5055 --username ci --password-stdin < password.txt
            """)

    @Argument(help: "A remote name or host:port.") var remote: String
    @Option(help: "User name (any name for srthub serve).") var username = "srthub"
    @Flag(name: [.customLong("token-stdin"), .customLong("password-stdin")], help: "Read the secret from standard input.") var stdin = false
    @Option(help: "The secret (prefer --token-stdin: arguments show up in ps).") var token: String?
    @OptionGroup var home: HomeOptions

    func validate() throws {
        if stdin && token != nil { throw ValidationError("pass the secret one way: --token-stdin or --token") }
        if !stdin && token == nil && isatty(STDIN_FILENO) == 0 {
            throw ValidationError("standard input is not a terminal: pass the secret with --token-stdin (or --token)")
        }
    }

    func run() async throws {
        let secret = token ?? (stdin ? readLine(strippingNewline: true) : HiddenInput.read(prompt: "Token or password for \(remote): ")) ?? ""
        guard !secret.isEmpty else { throw ValidationError("the secret is empty") }
        let settings = config(home)
        try Failure.reporting {
            let (url, _, host) = try settings.locate(remote.contains("/") ? remote : remote + "/library/login-check")
            let credentials = RemoteConfig.Credentials(username: username, secret: secret)
            // Checked with a write-scoped request: a POST that a valid token turns into an upload session.
            let check = RemoteRegistry(baseURL: url, repository: "library/login-check", credentials: credentials, loginTarget: remote)
            try check.verifyPushAccess()
            let key = settings.credentialKey(remote.contains("/") ? host : remote)
            try settings.saveCredentials(credentials, for: key)
            if let warning = RemoteConfig.plainHTTPWarning(url) { FileHandle.standardError.write(Data("srthub: warning: \(warning)\n".utf8)) }
            let target = key.hasPrefix("remote:") ? "remote \(remote) (\(host))" : host
            if !home.json { print("logged in to \(target)") } else { try printJSON(["target": remote, "host": host, "url": url]) }
        }
    }
}

struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forget the stored credentials of a remote or host.",
        discussion: "Example:\n  srthub logout origin")
    @Argument(help: "A remote name or host:port, as given to srthub login.") var remote: String
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let removed = try Failure.reporting { try config(home).removeCredentials(remote) }
        guard removed else {
            throw Failure.report(ClientError(.notFound, "not logged in to \(remote)", hint: "srthub whoami lists the stored logins"))
        }
        if home.json { return try printJSON(["logged_out": remote]) }
        print("logged out of \(remote)")
    }
}

struct Whoami: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which user srthub logs in as: every stored login, or the one a remote would use.",
        discussion: "Secrets are never shown.\n\nExamples:\n  srthub whoami\n  srthub whoami origin")
    @Argument(help: "A remote name or host:port (default: list every stored login).") var remote: String?
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let settings = config(home)
        if let remote {
            let host = settings.remotes()[remote].map(RemoteConfig.hostKey) ?? remote
            let found = settings.credentials(remote: settings.remotes()[remote] != nil ? remote : nil, host: host)
            if home.json { return try printJSON(["target": remote, "username": found?.credentials.username ?? "", "source": found?.source ?? ""]) }
            guard let found else { throw Failure.report(ClientError(.notFound, "no login for \(remote)", hint: "srthub login \(remote)")) }
            print("\(found.credentials.username) (\(found.source))")
            return
        }
        let logins = settings.logins()
        let fromEnvironment = ProcessInfo.processInfo.environment["SRTHUB_TOKEN"].map { !$0.isEmpty } ?? false
        struct Entry: Encodable { let target, username: String }
        struct Listing: Encodable { let logins: [Entry]; let srthub_token: Bool }
        if home.json { return try printJSON(Listing(logins: logins.map { Entry(target: $0.target, username: $0.username) }, srthub_token: fromEnvironment)) }
        var table = TextTable(header: ["TARGET", "USER"])
        table.rows = logins.map { [$0.target, $0.username] }
        if !logins.isEmpty { print(table.render()) } else { print("no stored logins") }
        if fromEnvironment { print("SRTHUB_TOKEN is set: it serves any remote without a stored login") }
    }
}

/// A line read from the terminal with echo off (restored afterwards, also on Ctrl-C's way out).
enum HiddenInput {
    static func read(prompt: String) -> String? {
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        let terminal = tcgetattr(STDIN_FILENO, &saved) == 0
        if terminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        }
        defer {
            if terminal { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true)
    }
}
