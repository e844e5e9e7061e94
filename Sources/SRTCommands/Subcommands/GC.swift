import ArgumentParser

struct GC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete untagged checkpoints, unreferenced blobs and leftover temp files.",
        discussion: """
            Files written in the last --grace-minutes are left alone: a push to `srthub serve` stores \
            its blobs before the manifest that names them, and a pull keeps its partial downloads in \
            tmp/ to resume. Use --grace-minutes 0 when no transfer is in flight.

            Examples:
              srthub gc --dry-run
              srthub gc --grace-minutes 0
            """)

    @Flag(help: "Only report what would be removed.") var dryRun = false
    @Option(help: "Leave unrecorded blobs and temp files younger than this alone.") var graceMinutes: Double = 15
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let report = try Failure.reporting { try home.open().gc(dryRun: dryRun, grace: graceMinutes * 60) }
        if home.json { return try printJSON(report) }
        let verb = dryRun ? "would remove" : "removed"
        print("\(verb) \(report.manifests.count) checkpoint(s), \(report.blobs.count + report.orphanFiles.count) blob(s), \(report.tempFiles.count) temp file(s): \(megabytes(report.bytes))")
        for d in report.manifests { print("  checkpoint \(d)") }
        for d in report.blobs + report.orphanFiles { print("  blob \(d)") }
    }
}
