import ArgumentParser
import SRTOCI

struct Log: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a checkpoint's lineage, newest first, like git log.",
        discussion: "Each entry says how it was made from the next one and on which data.\nExample:\n  srthub log shop:finetuned")

    @Argument(help: "Checkpoint reference.", transform: parseReference)
    var reference: Reference

    @OptionGroup var home: HomeOptions

    func run() async throws {
        let entries = try Failure.reporting { try home.open().log(reference) }
        if home.json { return try printJSON(entries) }
        for (i, e) in entries.enumerated() {
            print("checkpoint \(e.digest)" + (e.tags.isEmpty ? "" : " (\(e.tags.joined(separator: ", ")))"))
            if !e.stored { print("  (known by digest only: not stored in this registry)") }
            if let created = e.created { print("  created  \(created)") }
            if i + 1 < entries.count {
                print("  made by  \(e.method ?? "unknown method") from \(entries[i + 1].digest.short)")
                if e.catalogs.count <= 1, let data = e.dataset ?? e.datasetFingerprint {
                    print("  on data  \(data)" + (e.datasetFingerprint.map { e.dataset == nil ? "" : " (\($0))" } ?? ""))
                }
            }
            if e.catalogs.count > 1 || (i + 1 == entries.count && !e.catalogs.isEmpty) {
                for (n, c) in e.catalogs.enumerated() {
                    print("  \(n == 0 ? "on data " : "        ") \(c.name.map { "\($0) (\(c.fingerprint))" } ?? c.fingerprint)")
                }
            }
            if i + 1 < entries.count { print("") }
        }
    }
}
