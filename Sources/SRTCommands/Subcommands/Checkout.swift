import ArgumentParser
import SRTOCI

struct Checkout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a checkpoint's files (config.json, weights, tokenizer, card) into a folder.",
        discussion: "Example:\n  srthub checkout ml-100k:v1 ./ml-100k-v1")

    @Argument(help: "Checkpoint reference.", transform: parseReference) var reference: Reference
    @Argument(help: "Folder to write into (created if needed).") var folder: String
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let files = try Failure.reporting { try home.open().checkout(reference, into: folder) }
        if home.json { return try printJSON(["folder": folder, "files": files.joined(separator: ",")]) }
        print("wrote \(files.joined(separator: ", ")) into \(folder)")
    }
}
