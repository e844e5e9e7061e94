import Foundation

/// Which training loss, with its options: the value config.json records and the CLI's `--loss`
/// spells. Each case's behaviour lives in its own file under Losses/ (see `function`).
public enum LossKind: Codable, Sendable, Equatable, CustomStringConvertible {
    /// `ce`: softmax over the whole catalog at every position.
    case fullCrossEntropy
    /// `ssm:K`: softmax over the target and K popularity-sampled negatives shared by the batch, logQ-corrected.
    case sampledSoftmax(negatives: Int)
    /// `bce`, `bce:K`: binary cross-entropy with K uniform unseen negatives per position (SASRec: K = 1).
    case binaryCrossEntropy(negatives: Int)
    /// `gbce:K,t=T`: gSASRec's generalised BCE, K uniform negatives per position drawn with replacement.
    case generalizedBinaryCrossEntropy(negatives: Int, t: Float)
    /// `ce-:K`: softmax over the target and K uniform unseen negatives per user (the RECE paper's CE⁻).
    case negativeCrossEntropy(negatives: Int)
    /// `rece`, `rece:buckets=…,extra=…,rounds=…`: RECE's reduced cross-entropy.
    case reducedCrossEntropy(RECEOptions)

    /// SASRec's BCE, one negative per position (`bce`).
    public static let sasrecBCE = LossKind.binaryCrossEntropy(negatives: 1)

    /// The implementation: its negatives, its scoring and its FLOPs.
    public var function: any TrainingLoss {
        switch self {
        case .fullCrossEntropy: FullCrossEntropy()
        case .sampledSoftmax(let k): SampledSoftmax(negatives: k)
        case .binaryCrossEntropy(let k): BinaryCrossEntropy(negatives: k, t: nil)
        case .generalizedBinaryCrossEntropy(let k, let t): BinaryCrossEntropy(negatives: k, t: t)
        case .negativeCrossEntropy(let k): NegativeCrossEntropy(negatives: k)
        case .reducedCrossEntropy(let options): ReducedCrossEntropy(options: options)
        }
    }

    public var description: String {
        switch self {
        case .fullCrossEntropy: "ce"
        case .sampledSoftmax(let k): "ssm:\(k)"
        case .binaryCrossEntropy(let k): k == 1 ? "bce" : "bce:\(k)"
        case .generalizedBinaryCrossEntropy(let k, let t): t == GeneralizedBCEDefaults.t ? "gbce:\(k)" : "gbce:\(k),t=\(t)"
        case .negativeCrossEntropy(let k): "ce-:\(k)"
        case .reducedCrossEntropy(let options): options.description
        }
    }

    /// What `--loss` accepts, for error messages and help.
    public static let spellings = "ce, ssm:K, bce[:K], gbce[:K][,t=T], ce-:K or rece[:buckets=N,extra=E,rounds=R]"

    /// Parses the CLI's spelling; a misspelled or out-of-range option is refused with a message
    /// that names it and its valid range.
    public static func parse(_ text: String) throws(LossOptionError) -> LossKind {
        let (name, options) = text.firstIndex(of: ":").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) } ?? (text, "")
        switch name {
        case "ce" where options.isEmpty: return .fullCrossEntropy
        case "ssm": return .sampledSoftmax(negatives: try LossOptionError.count(options, loss: "ssm", example: "ssm:1000"))
        case "bce": return .binaryCrossEntropy(negatives: options.isEmpty ? 1 : try LossOptionError.count(options, loss: "bce", example: "bce:4"))
        case "gbce": return try GeneralizedBCEDefaults.parse(options)
        case "ce-": return .negativeCrossEntropy(negatives: try LossOptionError.count(options, loss: "ce-", example: "ce-:256"))
        case "rece": return .reducedCrossEntropy(try RECEOptions.parse(options))
        default: throw LossOptionError("unknown loss '\(text)': use \(spellings)")
        }
    }

    /// Parses `--loss`; nil where `parse` would refuse it.
    public init?(_ text: String) {
        guard let kind = try? LossKind.parse(text) else { return nil }
        self = kind
    }

    /// Written as the CLI spells it (`"ce"`, `"ssm:1000"`, `"bce"`); read in that form or in the
    /// keyed form configs held before (`{"sampledSoftmax": {"negatives": 1000}}`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            do { self = try LossKind.parse(text) } catch {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
            }
            return
        }
        let keyed = try decoder.container(keyedBy: LegacyKey.self)
        if keyed.contains(.fullCrossEntropy) { self = .fullCrossEntropy; return }
        if keyed.contains(.binaryCrossEntropy) { self = .sasrecBCE; return }
        let sampled = try keyed.nestedContainer(keyedBy: LegacyKey.self, forKey: .sampledSoftmax)
        self = .sampledSoftmax(negatives: try sampled.decode(Int.self, forKey: .negatives))
    }

    private enum LegacyKey: String, CodingKey { case fullCrossEntropy, sampledSoftmax, binaryCrossEntropy, negatives }
}

/// A `--loss` spelling that cannot be used, with the reason and the fix.
public struct LossOptionError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// A negatives count K ≥ 1.
    static func count(_ text: String, loss: String, example: String) throws(LossOptionError) -> Int {
        guard let k = Int(text), k >= 1 else {
            throw LossOptionError("'\(loss):\(text)': the number of negatives must be a whole number ≥ 1, e.g. \(example)")
        }
        return k
    }

    /// `key=value` pairs separated by commas; an unknown key is refused by name.
    static func pairs(_ text: String, loss: String, keys: [String]) throws(LossOptionError) -> [String: String] {
        var result: [String: String] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: false) where !text.isEmpty {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, keys.contains(pair[0]) else {
                throw LossOptionError("'\(loss)': unknown option '\(part)'; the options are \(keys.map { "\($0)=…" }.joined(separator: ", "))")
            }
            result[pair[0]] = pair[1]
        }
        return result
    }
}
