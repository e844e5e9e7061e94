import Foundation

/// A plain aligned text table. Numbers (digits with separators, units, a sign, a `*` mark) are
/// right-aligned and text left-aligned, and each header sits the way its column does (text headers
/// once sat right of their left-aligned values).
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    /// Whether column `c` holds numbers only (empty cells and dashes aside).
    func isNumeric(_ c: Int) -> Bool {
        guard c > 0 else { return false }
        let cells = rows.map { $0[c].trimmingCharacters(in: .whitespaces) }.filter { !["", "-", "–"].contains($0) }
        return !cells.isEmpty && cells.allSatisfy { $0.range(of: #"^[-+−]?[0-9][0-9,.]*( ?(MB|kB|s|%))?\*?$"#, options: .regularExpression) != nil }
    }

    func render() -> String {
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        let right = header.indices.map(isNumeric)
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return right[c] ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

/// 12345 → "12,345".
func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)  // abs(Int.min) traps
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
        out.append(ch)
    }
    return n < 0 ? "-" + out : out
}

func percent(_ x: Double) -> String {
    let tenths = Int((x * 1000).rounded())
    return "\(tenths / 10).\(tenths % 10)%"
}
