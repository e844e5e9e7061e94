import Crypto
import Foundation
import SRTModel

/// The reference models `srthub eval` ranks a checkpoint against, on the same split.
public enum Baseline: String, CaseIterable, Codable, Sendable {
    /// Most popular items in the training part first.
    case pop
    /// ID-embedding SASRec with BCE and one sampled negative (the SASRec paper's loss).
    case sasrec
    /// ID-embedding SASRec with full-catalog cross-entropy.
    case sasrecCE = "sasrec-ce"
    /// The checkpoint's own architecture and item encoder, trained from scratch with its recipe.
    case scratch
    /// No training: TF-IDF cosine of each item's text to the history's last item (`TextSimilarityScorer`).
    case text

    public var label: String {
        switch self {
        case .pop: "pop"
        case .sasrec: "sasrec (id, bce)"
        case .sasrecCE: "sasrec-ce (id, ce)"
        case .scratch: "scratch (same architecture)"
        case .text: "text (TF-IDF, last item)"
        }
    }
}

/// What a trained baseline is made of; its digest names the cached checkpoint, so the same data
/// and recipe are trained once.
public struct BaselineRecipe: Codable, Sendable {
    public var baseline: Baseline
    public var datasetFingerprint: String
    public var split: String
    public var architecture: Architecture
    public var encoder: ItemEncoderConfig.Kind
    public var fields: [String]?
    public var vocabularySize: Int
    public var tokenEmbedding: Int?
    /// Scratch of a text model with item IDs: the same table (nil otherwise, which leaves the keys
    /// of every other recipe as they were).
    public var itemIDs: Bool?
    public var options: TrainingOptions

    /// The recipe of `baseline` for a checkpoint's config (its recipe with the baseline's loss and
    /// encoder); `loss` replaces sasrec's BCE.
    public init(_ baseline: Baseline, base: CheckpointConfig, datasetFingerprint: String, split: String, epochs: Int?, loss: LossKind? = nil) {
        self.baseline = baseline
        self.datasetFingerprint = datasetFingerprint
        self.split = split
        architecture = base.model.architecture
        // A fine-tuned checkpoint's baselines train with its base's recipe, not the fine-tuning one,
        // but with the checkpoint's own budget: its epochs (all stages), so both sides get as many.
        options = base.fineTuning?.baseTraining ?? base.training
        options.threads = 1  // the caller sets the threads it trains with (in the key: they change the model)
        options.epochs = epochs ?? base.training.epochs
        let e = base.model.itemEncoder
        switch baseline {
        case .pop, .scratch, .text:
            encoder = e.kind
            fields = e.kind == .text ? e.fields : nil
            tokenEmbedding = e.kind == .text ? e.tokenEmbedding : nil
            itemIDs = baseline == .scratch ? e.itemIDs : nil
        case .sasrec, .sasrecCE:
            encoder = .id
            options.loss = baseline == .sasrec ? loss ?? .sasrecBCE : .fullCrossEntropy
            // The base's schedule and budget, not its loss's options: they belong to another loss
            // (BCE refuses label smoothing) and are not SASRec's.
            options.labelSmoothing = nil
            options.temperature = nil
            options.negatives = nil
        }
        vocabularySize = e.kind == .text ? e.vocabularySize : 30_000
    }

    /// Hex sha256 of the recipe's sorted-key JSON.
    public var key: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data()
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
