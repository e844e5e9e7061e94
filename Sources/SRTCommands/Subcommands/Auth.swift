import ArgumentParser
import Foundation
import SRTClient

// Credentials for remotes: login, logout, whoami (server tokens are `srthub token`).

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
            let url = settings.remotes()[remote]  // nil: a host:port
            let found = settings.credentials(remote: url == nil ? nil : remote, host: url.map(RemoteConfig.hostKey) ?? remote)
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
