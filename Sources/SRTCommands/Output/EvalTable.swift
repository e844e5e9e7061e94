import SRTTraining

/// One table per mode: a row per model, a column per metric, the best of each column marked `*`.
enum EvalTable {
    static func columns(_ ks: [Int]) -> [String] {
        ["ndcg", "hr", "mrr"].flatMap { m in ks.map { "\(m)@\($0)" } }
    }

    static func cells(_ report: EvalReport, mode: String) -> (header: [String], rows: [[String]]) {
        let keys = columns(report.ks)
        let best = keys.map { key in report.rows.map { $0.results[mode]?[key] ?? 0 }.max() ?? 0 }
        let compared = report.rows.compactMap { $0.versusModel?[mode]?.metric }.first
        let header = ["model"] + keys.map { $0.uppercased() } + (compared.map { ["MODEL − ROW, \($0.uppercased()) [95% CI]"] } ?? [])
        let rows = report.rows.map { row in
            [row.name + (row.cached == true ? " (cached)" : "")] + keys.enumerated().map { i, key in
                let value = row.results[mode]?[key] ?? 0
                return String(format: "%.4f", value) + (report.rows.count > 1 && value == best[i] && value > 0 ? "*" : " ")
            } + (compared == nil ? [] : [row.versusModel?[mode]?.summary ?? ""])
        }
        return (header, rows)
    }

    static func title(_ report: EvalReport, mode: String) -> String {
        "\(report.dataset), \(report.protocol), \(mode), \(report.cases) users (* best per column; ties ranked pessimistically"
            + (report.rows.count > 1 ? "; the last column's interval is a paired bootstrap over the users" : "") + ")"
    }

    static func text(_ report: EvalReport) -> String {
        report.modes.map { mode in
            let (header, rows) = cells(report, mode: mode)
            return title(report, mode: mode) + "\n" + TextTable(header: header, rows: rows).render()
        }.joined(separator: "\n\n")
    }

    static func markdown(_ report: EvalReport) -> String {
        report.modes.map { mode in
            let (header, rows) = cells(report, mode: mode)
            let align: [String] = header.indices.map { $0 == 0 ? "---" : "---:" }
            var lines: [String] = ["| " + header.joined(separator: " | ") + " |", "|" + align.joined(separator: "|") + "|"]
            for row in rows {
                let cells: [String] = row.map { cell in
                    cell.hasSuffix("*") ? "**" + String(cell.dropLast()) + "**" : cell.trimmingCharacters(in: .whitespaces)
                }
                lines.append("| " + cells.joined(separator: " | ") + " |")
            }
            return "**" + title(report, mode: mode) + "**\n\n" + lines.joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}
