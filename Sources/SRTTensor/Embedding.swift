// Legend: M lookups, C channels, V table rows.

/// out[m] = table[index[m]] (index −1 gives a zero row: padding).
public func embeddingForward(_ out: UnsafeMutablePointer<Float>, _ table: UnsafePointer<Float>, _ index: UnsafePointer<Int32>, m: Int, c: Int) {
    for row in 0..<m {
        let i = Int(index[row])
        if i < 0 { (out + row * c).update(repeating: 0, count: c) } else { (out + row * c).update(from: table + i * c, count: c) }
    }
}

/// Scatter-add: dtable[index[m]] += dout[m].
public func embeddingBackward(_ dtable: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ index: UnsafePointer<Int32>, m: Int, c: Int) {
    for row in 0..<m {
        let i = Int(index[row])
        if i < 0 { continue }
        let d = dtable + i * c, g = dout + row * c
        for j in 0..<c { d[j] += g[j] }
    }
}
