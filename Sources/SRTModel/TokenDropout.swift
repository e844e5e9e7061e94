/// Drops pieces of item text while training: each (item, field, piece) of a step is left out of
/// its field's sum with `probability`, the kept ones scaled by 1/(1 − probability), so evaluation
/// (nothing dropped) sees the same sum in expectation. An item then cannot be recognized by one
/// rare piece of its title (a model number, a brand) and must be read from the rest, which is what
/// a base meets on a catalog it never saw.
///
/// Whether a piece is kept is a hash of (seed, item, slot), not a draw from a stream: the forward
/// and backward passes agree without storing a mask, and the result does not depend on which
/// worker encodes the item or in what order.
public struct TokenDropout: Sendable, Equatable {
    public let probability: Float
    public let seed: UInt64

    public init(probability: Float, seed: UInt64) {
        precondition(probability >= 0 && probability < 1)
        self.probability = probability
        self.seed = seed
    }

    /// The factor a kept piece's embedding is summed with.
    public var scale: Float { 1 / (1 - probability) }

    /// Whether `item`'s piece in `slot` (field · pieces + position) is kept this step.
    public func keeps(item: Int, slot: Int) -> Bool {
        // SplitMix64's finalizer over the three values; the top 24 bits as a uniform in [0, 1).
        var z = seed &+ UInt64(truncatingIfNeeded: item) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: slot) &* 0xD1B5_4A32_D192_ED03
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 24) >= probability
    }
}
