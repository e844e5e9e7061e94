import ArgumentParser
import SRTOCI

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import the checkpoints of an OCI image-layout folder, verifying every digest.",
        discussion: "Example:\n  srthub import /media/usb/srthub-bundle")

    @Argument(help: "Layout folder written by `srthub export`.") var folder: String
    @Option(help: "Tag to give the checkpoint instead of its name in the layout.", transform: parseReference) var tag: Reference?
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let imported = try Failure.reporting { try home.open().importLayout(from: folder, tag: tag) }
        if home.json { return try printJSON(imported) }
        for i in imported { print("imported \(i.reference ?? "(untagged)") → \(i.digest)") }
    }
}
