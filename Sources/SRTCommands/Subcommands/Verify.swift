import ArgumentParser
import SRTOCI

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-hash blobs and check the database against the files, both ways.",
        discussion: "Exits 1 when it finds damage, and lists every problem.\nExamples:\n  srthub verify\n  srthub verify ml-100k:v1")

    @Argument(help: "Only this checkpoint.", transform: parseReference) var reference: Reference?
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let report = try Failure.reporting { try home.open().verify(reference) }
        if home.json { try printJSON(report) } else {
            for p in report.problems { print("problem: \(p)") }
            for n in report.notes { print("note: \(n)") }
            print("checked \(report.checkedManifests) manifest(s) and \(report.checkedBlobs) blob(s): \(report.ok ? "ok" : "\(report.problems.count) problem(s)")")
        }
        if !report.ok { throw ExitCode.failure }
    }
}
