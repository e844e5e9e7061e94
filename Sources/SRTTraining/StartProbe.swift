/// Does the base's start help on this catalog? Fine-tuning a base that learned nothing useful for a
/// catalog (one far from its corpus) can trail the same architecture trained from fresh weights
/// epoch for epoch. The probe is a race on the fine-tune's own schedule: the base's weights train the
/// plan's first epochs, then fresh weights train the first epochs of the run `srthub train` would
/// make (this catalog's own tokenizer, the plan's whole budget), and the one with the better best
/// validation NDCG@10 goes on from where it paused. The loser's epochs are the probe's whole cost,
/// and the winner's run is exactly the one it would have been without the probe. (A probe on a
/// compressed schedule of its own judged too early: it rejected a base that led from the fifth
/// epoch to the end, bench/RESULTS.md.)
public struct StartProbe: Sendable {
    /// Best validation NDCG@10 (history masked) within the probe's epochs, from each start.
    public let baseValidation: Double
    public let freshValidation: Double
    public let epochs: Int

    /// The base's start wins ties: it is what the user asked to fine-tune.
    public var baseWins: Bool { baseValidation >= freshValidation }

    /// The probe's length where the user names none. Five epochs can misjudge a start whose curve
    /// crosses the other's later, either way; sixteen is safer, but on a catalog the size of
    /// amazon-beauty its eleven more epochs break the ten-minute budget of a fine-tune. So the long
    /// probe where a catalog is small enough for it to be cheap (bench/RESULTS.md).
    public static func defaultEpochs(trainingInteractions: Int) -> Int {
        trainingInteractions <= longProbeInteractionLimit ? longEpochs : shortEpochs
    }
    public static let shortEpochs = 5
    public static let longEpochs = 16
    public static let longProbeInteractionLimit = 100_000
    /// The rule in words, as `finetune`'s help and its progress note give it.
    public static let defaultRule = "\(longEpochs) on a catalog of at most \(longProbeInteractionLimit.formatted()) training interactions, \(shortEpochs) above"
}
