extension Dataset {
    /// The users whose id, hashed with `seed`, falls below `fraction` of the hash range, and the
    /// items they touched. The same users every time; for one seed a smaller fraction's users are
    /// a subset of a larger one's, so a scaling sweep's data sizes nest as the paper's do.
    public func samplingUsers(fraction: Double, seed: UInt64) -> Dataset {
        precondition(fraction > 0 && fraction <= 1)
        if fraction == 1 { return self }
        let threshold = fraction * 18446744073709551616.0  // 2^64
        let keepUser = userIDs.map { Double(Self.hash($0, seed: seed)) < threshold }
        var keepItem = [Bool](repeating: false, count: itemCount)
        for (u, sequence) in sequences.enumerated() where keepUser[u] {
            for item in sequence { keepItem[Int(item)] = true }
        }
        return keeping(users: keepUser, items: keepItem)
    }

    /// FNV-1a over the id's UTF-8 bytes, then SplitMix64's finalizer with the seed mixed in: stable
    /// across runs, machines and Swift versions (Swift's own Hasher is seeded per process).
    static func hash(_ id: String, seed: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        var z = h ^ (seed &* 0x9e37_79b9_7f4a_7c15)
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
