/// Training examples: windows of up to T+1 consecutive items from one user's training sequence;
/// the model reads the first T and predicts each next item, so many positions are scored in one
/// pass. Windows are cut from the end (most recent first) every `stride` items and score only the
/// targets not scored by a later window, so every training interaction after a user's first is a
/// target exactly once per epoch, with at least T − stride items of context where the user has them.
/// stride = T gives disjoint chunks (cheapest; short contexts at chunk starts); the default T/2
/// costs ~2× per target and gives every target a long context, as prefix-based training does.
public struct TrainingWindow: Sendable, Equatable {
    public let user: Int32
    public let items: ArraySlice<Int32>
    /// Index (within `items`) of the first item that is a scored target.
    public let firstTarget: Int
}

public enum TrainingWindows {
    public static func make(sequences: [[Int32]], users: [Int32], maxLength: Int, stride: Int? = nil) -> [TrainingWindow] {
        let step = min(max(stride ?? maxLength / 2, 1), maxLength)
        var windows: [TrainingWindow] = []
        for (sequence, user) in zip(sequences, users) where sequence.count >= 2 {
            var end = sequence.count
            while end > 1 {
                let start = max(0, end - (maxLength + 1))
                let firstTarget = max(1, end - step)  // targets at sequence indices firstTarget..<end
                windows.append(TrainingWindow(user: user, items: sequence[start..<end], firstTarget: firstTarget - start))
                end = firstTarget
            }
        }
        return windows
    }
}
