import ArgumentParser

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the local registry (any command also creates it on first use).",
        discussion: "Example:\n  SRTHUB_HOME=/data/srthub srthub init")

    @OptionGroup var home: HomeOptions

    func run() async throws {
        let registry = try home.open()
        if home.json { try printJSON(["home": registry.home.path]) } else { print("registry ready in \(registry.home.path)") }
    }
}
