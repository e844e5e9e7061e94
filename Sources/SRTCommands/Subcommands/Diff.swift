import ArgumentParser
import SRTOCI

struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show config and metric differences between two checkpoints.",
        discussion: "Example:\n  srthub diff shop:v1 shop:v2")

    @Argument(help: "First checkpoint.", transform: parseReference) var a: Reference
    @Argument(help: "Second checkpoint.", transform: parseReference) var b: Reference
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let differences = try Failure.reporting { try home.open().diff(a, b) }
        if home.json { return try printJSON(differences) }
        if differences.isEmpty { return print("no differences in config or shared evaluations") }
        var table = TextTable(header: ["", a.description, b.description])
        for d in differences { table.rows.append([d.key, d.a ?? "-", d.b ?? "-"]) }
        print(table.render())
    }
}
