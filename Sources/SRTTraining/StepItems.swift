/// The catalog items one training step touches (inputs, targets, negatives), each once and in
/// catalog order, and their renumbering to rows 0..<U of the step's encoded subset.
///
/// A sampled loss scores only these, so encoding just them gives the same loss and gradients as
/// encoding the whole catalog (an untouched item's vector gets no gradient) at a cost that does
/// not grow with the catalog.
public struct StepItems {
    /// Catalog indices, ascending: row i of the subset is item `items[i]`.
    public let items: [Int32]
    /// Per catalog item: its row, −1 where the step does not touch it.
    private let rows: [Int32]

    /// `lists` hold catalog indices; −1 (padding) is skipped.
    public init(touching lists: [[Int32]], catalogItems: Int) {
        let touched = Int32.max
        var rows = [Int32](repeating: -1, count: catalogItems)
        for list in lists { for item in list where item >= 0 { rows[Int(item)] = touched } }
        var items: [Int32] = []
        for item in rows.indices where rows[item] == touched {
            rows[item] = Int32(items.count)
            items.append(Int32(item))
        }
        self.items = items
        self.rows = rows
    }

    /// Replaces each catalog index in `list` by its row (padding stays −1).
    public func renumber(_ list: inout [Int32]) {
        for i in list.indices where list[i] >= 0 { list[i] = rows[Int(list[i])] }
    }
}
