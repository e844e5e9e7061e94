/// Training examples: windows of up to T+1 consecutive items from one user's training sequence;
/// the model reads the first T and predicts each next item, so every position is scored in one
/// pass. Windows are cut from the end (the most recent history first) and overlap by one item, so
/// every training interaction after a user's first is a target exactly once per epoch.
public struct TrainingWindow: Sendable, Equatable {
    public let user: Int32
    public let items: ArraySlice<Int32>
}

public enum TrainingWindows {
    public static func make(sequences: [[Int32]], users: [Int32], maxLength: Int) -> [TrainingWindow] {
        var windows: [TrainingWindow] = []
        for (sequence, user) in zip(sequences, users) where sequence.count >= 2 {
            var end = sequence.count
            while end > 1 {
                let start = max(0, end - (maxLength + 1))
                windows.append(TrainingWindow(user: user, items: sequence[start..<end]))
                end = start + 1
                if start == 0 { break }
            }
        }
        return windows
    }
}
