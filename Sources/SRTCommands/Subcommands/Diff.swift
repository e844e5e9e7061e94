import ArgumentParser
import Foundation
import SRTOCI
import SRTRegistry

struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show config and metric differences between two checkpoints.",
        discussion: """
            The table fits 100 columns: a value longer than its column is cut with "…" (--wide shows \
            values whole); --json gives each value as the JSON it is (numbers, strings, arrays, objects).

            Example:
              srthub diff shop:v1 shop:v2
            """)

    @Argument(help: "First checkpoint.", transform: parseReference) var a: Reference
    @Argument(help: "Second checkpoint.", transform: parseReference) var b: Reference
    @Flag(help: "Show long values whole instead of cutting them to the table's width.") var wide = false
    @OptionGroup var home: HomeOptions

    static let width = 100

    func run() async throws {
        let differences = try Failure.reporting { try home.open().diff(a, b) }
        if home.json {
            func value(_ text: String?) -> Any { text.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) } ?? NSNull() }
            let list = differences.map { ["key": $0.key, "a": value($0.a), "b": value($0.b)] as [String: Any] }
            let data = try JSONSerialization.data(withJSONObject: list, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return print(String(decoding: data, as: UTF8.self))
        }
        if differences.isEmpty { return print("no differences in config or shared evaluations") }
        print(Self.table(differences, a: a.description, b: b.description, wide: wide))
    }

    /// Keys up to 44 characters share their line with the values; a longer key gets a line of its
    /// own. Metrics show 4 decimals; other values their JSON, cut to the column unless `wide`.
    static func table(_ differences: [Registry.Difference], a: String, b: String, wide: Bool) -> String {
        let keyWidth = min(differences.map(\.key.count).max() ?? 0, 44)
        let valueWidth = max(12, (width - keyWidth - 4) / 2)
        func shown(_ text: String?, metric: Bool) -> String {
            guard let text else { return "-" }
            if metric, let number = Double(text) { return String(format: "%.4f", number) }
            return wide || text.count <= valueWidth ? text : String(text.prefix(valueWidth - 1)) + "…"
        }
        let rows = differences.map { d in (d.key, shown(d.a, metric: d.key.hasPrefix("metric ")), shown(d.b, metric: d.key.hasPrefix("metric "))) }
        let keyColumn = wide ? differences.map(\.key.count).max() ?? 0 : keyWidth
        let aColumn = max(([shown(a, metric: false)] + rows.map(\.1)).map(\.count).max() ?? 0, 1)
        func line(_ key: String, _ x: String, _ y: String) -> String {
            (key.padding(toLength: keyColumn, withPad: " ", startingAt: 0) + "  " + x.padding(toLength: aColumn, withPad: " ", startingAt: 0) + "  " + y)
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var lines = [line("", shown(a, metric: false), shown(b, metric: false))]
        for (key, x, y) in rows {
            if key.count > keyColumn {
                lines.append(key)  // on its own line: a key is never cut
                lines.append(line("", x, y))
            } else {
                lines.append(line(key, x, y))
            }
        }
        return lines.joined(separator: "\n")
    }
}
