extension Dataset {
    /// Keeps only users and items with at least `k` interactions, repeating until no more are
    /// removed (removing an item can push a user under `k`, and back). Indices are re-densified.
    public func kCore(_ k: Int) -> Dataset {
        var keepUser = [Bool](repeating: true, count: userCount)
        var keepItem = [Bool](repeating: true, count: itemCount)
        while true {
            var userCounts = [Int](repeating: 0, count: userCount)
            var itemCounts = [Int](repeating: 0, count: itemCount)
            for (u, sequence) in sequences.enumerated() where keepUser[u] {
                for item in sequence where keepItem[Int(item)] {
                    userCounts[u] += 1
                    itemCounts[Int(item)] += 1
                }
            }
            var changed = false
            for u in 0..<userCount where keepUser[u] && userCounts[u] < k { keepUser[u] = false; changed = true }
            for i in 0..<itemCount where keepItem[i] && itemCounts[i] < k { keepItem[i] = false; changed = true }
            if !changed { break }
        }

        return keeping(users: keepUser, items: keepItem)
    }
}

extension Dataset {
    /// The users with `users[u]` and, in their sequences, the items with `items[i]`; indices are
    /// re-densified (items and users left with nothing are gone).
    func keeping(users keepUser: [Bool], items keepItem: [Bool]) -> Dataset {
        var newItem = [Int32](repeating: -1, count: itemCount)
        var itemIDs: [String] = []
        for i in 0..<itemCount where keepItem[i] {
            newItem[i] = Int32(itemIDs.count)
            itemIDs.append(self.itemIDs[i])
        }
        var userIDs: [String] = []
        var newSequences: [[Int32]] = []
        var newTimes: [[Double]]? = timestamps == nil ? nil : []
        for u in 0..<userCount where keepUser[u] {
            let positions = sequences[u].indices.filter { keepItem[Int(sequences[u][$0])] }
            userIDs.append(self.userIDs[u])
            newSequences.append(positions.map { newItem[Int(sequences[u][$0])] })
            if let timestamps { newTimes?.append(positions.map { timestamps[u][$0] }) }
        }
        let text = itemText.isEmpty ? [] : (0..<itemCount).filter { keepItem[$0] }.map { itemText[$0] }
        return Dataset(name: name, userIDs: userIDs, itemIDs: itemIDs, sequences: newSequences, timestamps: newTimes,
                       textFields: textFields, itemText: text, itemsWithoutText: itemsWithoutText)
    }
}
