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
