import ArgumentParser
import SRTOCI

struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove a tag (name@digest removes every tag of that checkpoint). Data goes at `srthub gc`.",
        discussion: "Example:\n  srthub rm ml-100k:v1 && srthub gc")

    @Argument(help: "Reference to untag.", transform: parseReference) var reference: Reference
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let removed = try Failure.reporting { try home.open().remove(reference) }
        if home.json { return try printJSON(["untagged": removed]) }
        for tag in removed { print("untagged \(tag)") }
    }
}
