import ArgumentParser
import SRTOCI

struct Tag: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Give a checkpoint another name.",
        discussion: "Example:\n  srthub tag ml-100k:v1 ml-100k:best")

    @Argument(help: "Existing reference.", transform: parseReference) var source: Reference
    @Argument(help: "New name[:tag].", transform: parseReference) var target: Reference
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let digest = try Failure.reporting { try home.open().tag(source, as: target) }
        if home.json { return try printJSON(["reference": target.with(tag: target.tagOrDefault).description, "digest": digest.description]) }
        print("\(target.with(tag: target.tagOrDefault)) → \(digest)")
    }
}
