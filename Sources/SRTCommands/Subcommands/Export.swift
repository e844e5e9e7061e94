import ArgumentParser
import SRTOCI

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a checkpoint as an OCI image-layout folder, for machines with no network.",
        discussion: "The folder is a standard OCI image layout (ORAS and other OCI tools read it).\nExample:\n  srthub export ml-100k:v1 /media/usb/srthub-bundle")

    @Argument(help: "Checkpoint reference.", transform: parseReference) var reference: Reference
    @Argument(help: "Layout folder (created, or added to).") var folder: String
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let result = try Failure.reporting { try home.open().export(reference, to: folder) }
        if home.json { return try printJSON(result) }
        print("exported \(reference) (\(result.manifest.short), \(result.blobs) blobs, \(megabytes(result.bytes))) to \(folder)")
    }
}
