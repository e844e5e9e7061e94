import Crypto

extension Dataset {
    /// `sha256:<hex>` over a canonical form of the data: users in byte order of their ids, each
    /// with its items in time order (and timestamps), then the text field names, then items in
    /// byte order of their ids with their text. The same data in another row order, file format
    /// or column order hashes the same; any change to an interaction or a text does not.
    public func fingerprint() -> String {
        var hasher = SHA256()
        func feed(_ text: String) { hasher.update(data: Array(text.utf8)) }
        func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

        feed("srthub-dataset-v1\n")
        for u in userIDs.indices.sorted(by: { byteOrder(userIDs[$0], userIDs[$1]) }) {
            feed("u\t\(userIDs[u])\n")
            for (p, item) in sequences[u].enumerated() {
                let time = timestamps.map { "\($0[u][p])" } ?? "-"
                feed("\(itemIDs[Int(item)])\t\(time)\n")
            }
        }
        let fieldOrder = textFields.indices.sorted { byteOrder(textFields[$0], textFields[$1]) }
        feed("fields\t" + fieldOrder.map { textFields[$0] }.joined(separator: "\t") + "\n")
        for i in itemIDs.indices.sorted(by: { byteOrder(itemIDs[$0], itemIDs[$1]) }) {
            let text = itemText.isEmpty || itemText[i].isEmpty ? [] : fieldOrder.map { itemText[i][$0] }
            feed("i\t\(itemIDs[i])\t" + text.joined(separator: "\t") + "\n")
        }
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        for byte in hasher.finalize() { hex += [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]] }
        return "sha256:" + String(decoding: hex, as: UTF8.self)
    }
}
