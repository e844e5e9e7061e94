/// One evaluation example: the model sees `input` (oldest first) and should rank `target` high.
public struct EvaluationCase: Sendable, Equatable {
    public let user: Int32
    public let input: [Int32]
    public let target: Int32

    public init(user: Int32, input: [Int32], target: Int32) {
        self.user = user
        self.input = input
        self.target = target
    }
}

/// How interactions are divided into training and evaluation.
public enum SplitProtocol: Sendable, Equatable, CustomStringConvertible {
    /// Per user: the last item is the test target, the one before it the validation target, and
    /// everything before that is training data. Users with fewer than 3 items are only trained on.
    case leaveOneOut
    /// A global cutoff at the `quantile` of all timestamps (numpy's "nearest" quantile). Users
    /// with an interaction at or after the cutoff are test users and are never trained on; their
    /// post-cutoff items are their evaluation history (RECE's protocol, REFERENCE.md §2.4): the last
    /// one is the test target, the one before it the validation target. Test users need at least 3
    /// post-cutoff items.
    case temporal(quantile: Double)

    public var description: String {
        switch self {
        case .leaveOneOut: "leave-one-out"
        case .temporal(let q): "temporal (cutoff at the \(q) timestamp quantile)"
        }
    }
}

/// Training sequences and evaluation cases, with item popularity counted on training data only.
public struct DatasetSplit: Sendable {
    public let splitProtocol: SplitProtocol
    /// Training sequences, one per training user (`trainUsers[i]` owns `train[i]`).
    public let train: [[Int32]]
    public let trainUsers: [Int32]
    public let validation: [EvaluationCase]
    public let test: [EvaluationCase]
    /// Per item, how often it occurs in the training sequences.
    public let popularity: [Int]
    /// The timestamp cutoff of a temporal split.
    public let cutoff: Double?
    /// Test users of a temporal split dropped for having fewer than 3 post-cutoff items.
    public let droppedTestUsers: Int
    /// The catalogs of a union dataset (empty for one catalog): evaluation ranks each catalog's
    /// cases among its own items.
    public var catalogs: [CatalogPart] = []

    public var trainInteractions: Int { train.reduce(0) { $0 + $1.count } }
}

extension Dataset {
    public func split(_ splitProtocol: SplitProtocol) throws(DataError) -> DatasetSplit {
        var split: DatasetSplit
        switch splitProtocol {
        case .leaveOneOut: split = leaveOneOutSplit()
        case .temporal(let q):
            // One global cutoff over catalogs whose reviews span different years would make some
            // catalogs all test and others all training.
            guard catalogs.isEmpty else {
                throw DataError(.badOption, file: name, "a temporal split of several catalogs at once is not supported",
                                hint: "use --protocol loo for multi-catalog training, or train on one catalog")
            }
            split = try temporalSplit(quantile: q)
        }
        split.catalogs = catalogs
        return split
    }

    func leaveOneOutSplit() -> DatasetSplit {
        var train: [[Int32]] = [], trainUsers: [Int32] = []
        var validation: [EvaluationCase] = [], test: [EvaluationCase] = []
        for (u, sequence) in sequences.enumerated() {
            let user = Int32(u), n = sequence.count
            if n < 3 {
                train.append(sequence)
                trainUsers.append(user)
                continue
            }
            train.append(Array(sequence[..<(n - 2)]))
            trainUsers.append(user)
            validation.append(EvaluationCase(user: user, input: Array(sequence[..<(n - 2)]), target: sequence[n - 2]))
            test.append(EvaluationCase(user: user, input: Array(sequence[..<(n - 1)]), target: sequence[n - 1]))
        }
        return DatasetSplit(splitProtocol: .leaveOneOut, train: train, trainUsers: trainUsers, validation: validation,
                            test: test, popularity: popularity(of: train), cutoff: nil, droppedTestUsers: 0)
    }

    func temporalSplit(quantile q: Double) throws(DataError) -> DatasetSplit {
        guard let timestamps else {
            throw DataError(.noTimestamps, file: name, "a temporal split needs timestamps, and this data has none",
                            hint: "add a timestamp column to the interactions, or use --protocol loo")
        }
        guard q > 0 && q < 1 else {
            throw DataError(.badOption, "the temporal quantile must be between 0 and 1 (exclusive), got \(q)")
        }
        let cutoff = Self.nearestQuantile(timestamps.flatMap { $0 }, q)
        var train: [[Int32]] = [], trainUsers: [Int32] = []
        var validation: [EvaluationCase] = [], test: [EvaluationCase] = []
        var dropped = 0
        for (u, sequence) in sequences.enumerated() {
            let user = Int32(u)
            let firstAfter = timestamps[u].firstIndex { $0 >= cutoff }
            guard let firstAfter else {
                train.append(sequence)
                trainUsers.append(user)
                continue
            }
            let after = Array(sequence[firstAfter...])
            let m = after.count
            guard m >= 3 else { dropped += 1; continue }
            validation.append(EvaluationCase(user: user, input: Array(after[..<(m - 2)]), target: after[m - 2]))
            test.append(EvaluationCase(user: user, input: Array(after[..<(m - 1)]), target: after[m - 1]))
        }
        guard !train.isEmpty else {
            let distinct = Set(timestamps.lazy.flatMap { $0 }).count
            throw DataError(.noInteractions, file: name,
                            "the temporal cutoff (the \(q) quantile, timestamp \(cutoff)) leaves no training interactions: every user has one at or after it (\(distinct) distinct timestamp(s) in the data)",
                            hint: "use --protocol loo, or a lower --quantile if the timestamps spread out")
        }
        return DatasetSplit(splitProtocol: .temporal(quantile: q), train: train, trainUsers: trainUsers,
                            validation: validation, test: test, popularity: popularity(of: train),
                            cutoff: cutoff, droppedTestUsers: dropped)
    }

    func popularity(of sequences: [[Int32]]) -> [Int] {
        var counts = [Int](repeating: 0, count: itemCount)
        for sequence in sequences { for item in sequence { counts[Int(item)] += 1 } }
        return counts
    }

    /// numpy.quantile(values, q, method="nearest"): the sorted value at round(q·(n−1)), ties to even.
    static func nearestQuantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        let position = (q * Double(sorted.count - 1)).rounded(.toNearestOrEven)
        return sorted[Int(position)]
    }
}
