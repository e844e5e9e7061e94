import ArgumentParser

struct GC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete untagged checkpoints, unreferenced blobs and leftover temp files.",
        discussion: "Examples:\n  srthub gc --dry-run\n  srthub gc")

    @Flag(help: "Only report what would be removed.") var dryRun = false
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let report = try Failure.reporting { try home.open().gc(dryRun: dryRun) }
        if home.json { return try printJSON(report) }
        let verb = dryRun ? "would remove" : "removed"
        print("\(verb) \(report.manifests.count) checkpoint(s), \(report.blobs.count + report.orphanFiles.count) blob(s), \(report.tempFiles.count) temp file(s): \(megabytes(report.bytes))")
        for d in report.manifests { print("  checkpoint \(d)") }
        for d in report.blobs + report.orphanFiles { print("  blob \(d)") }
    }
}
