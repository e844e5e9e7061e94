import SRTTensor

/// Where a loss's negatives come from. The trainer draws them (it knows the users and the
/// popularity); the loss only scores them, so the same loss runs on one worker or many.
public enum NegativesPolicy: Equatable, Sendable {
    /// None drawn: the loss scores the catalog itself (full CE, RECE).
    case none
    /// K items drawn by popularity, shared by every row of the batch (`inputs.sharedNegatives`).
    case sharedPopularity(Int)
    /// K distinct items per row, uniform over the items the row's user never had in training.
    case unseenPerPosition(Int)
    /// K items per row, uniform over the catalog with replacement (the positive and seen items included).
    case uniformPerPosition(Int)
    /// K distinct items per user, uniform over the items the user never had, shared by all of the
    /// user's rows in the batch (written out per row).
    case unseenPerUser(Int)

    /// Negatives each scored row carries in `ScoredRows.negatives`.
    public var perRow: Int {
        switch self {
        case .none, .sharedPopularity: 0
        case .unseenPerPosition(let k), .uniformPerPosition(let k), .unseenPerUser(let k): k
        }
    }

    /// Whether the draws avoid the user's own training items.
    public var avoidsSeenItems: Bool {
        switch self {
        case .unseenPerPosition, .unseenPerUser: true
        default: false
        }
    }
}

/// The multiply-adds of scoring (2 FLOPs each, forward and backward): those done as matrix
/// products (counted by `SGEMMProfile`) and those done row by row as dot products.
public struct ScoringFLOPs: Sendable, Equatable {
    public var matrix: Double
    public var rowLoops: Double
    public var total: Double { matrix + rowLoops }
}

/// One loss: its negatives, its FLOPs and its forward/backward over the scored rows. Each lives in
/// its own file beside this one; `LossKind.function` picks it.
public protocol TrainingLoss: Sendable {
    var negatives: NegativesPolicy { get }
    /// Whether a step must encode every item (the loss scores the catalog) rather than only the
    /// items it touches.
    var scoresWholeCatalog: Bool { get }
    /// Whether the loss makes random draws of its own (from `LossInputs.seed`).
    var drawsInside: Bool { get }
    /// FLOPs of scoring `rows` rows of width `hidden` against `items` encoded items, forward and backward.
    func scoringFLOPs(rows: Double, hidden: Double, items: Double) -> ScoringFLOPs
    /// Refuses a loss that cannot work on this catalog: `items` the items negatives come from,
    /// `fewestUnseen` the fewest items any user never had.
    func check(items: Int, fewestUnseen: Int) throws(LossOptionError)
    /// Work shared by every worker of a step, done once on the encoded items before the rows are
    /// scored (RECE's bucketed catalog); nil when there is none.
    func prepare(network: Network, inputs: LossInputs, batchRows: Int) -> (any LossPreparation)?
    /// Scores `rows`: reads the rows' user vectors in `workspace.gathered` [R, C] (already divided
    /// by the temperature), adds dL/d user vectors into `workspace.gatheredGradient` and dL/d item
    /// vectors into `network.itemGradients`, gradients of the sum times `scale`; returns the sum.
    func sum(network: Network, rows: ScoredRows, inputs: LossInputs, prepared: (any LossPreparation)?,
             workspace: LossWorkspace, scale: Float) -> Double
}

extension TrainingLoss {
    public var scoresWholeCatalog: Bool { false }
    public var drawsInside: Bool { false }
    public func check(items: Int, fewestUnseen: Int) throws(LossOptionError) {}
    public func prepare(network: Network, inputs: LossInputs, batchRows: Int) -> (any LossPreparation)? { nil }
}

/// Read-only state a loss prepares once per step for all workers.
public protocol LossPreparation: AnyObject, Sendable {}

/// What a step hands the loss besides the rows.
public struct LossInputs: Sendable {
    /// `sharedPopularity`: the batch's negatives.
    public var sharedNegatives: [Int32] = []
    /// The log sampling probability of every item (the sampled softmax's correction).
    public var logQ: [Float] = []
    /// Divides every logit.
    public var temperature: Float = 1
    /// Full CE only: the target's share spread over the catalog.
    public var labelSmoothing: Float = 0
    /// How many items the negatives were drawn from (gBCE's α); 0: the network's items.
    public var population = 0
    /// Seeds the loss's own random draws (RECE's projections): the same on every worker of a step.
    public var seed: UInt64 = 0

    public init(sharedNegatives: [Int32] = [], logQ: [Float] = [], temperature: Float = 1, labelSmoothing: Float = 0,
                population: Int = 0, seed: UInt64 = 0) {
        self.sharedNegatives = sharedNegatives
        self.logQ = logQ
        self.temperature = temperature
        self.labelSmoothing = labelSmoothing
        self.population = population
        self.seed = seed
    }
}

/// Rows to score: `rows[r]` is a position index into [B·T], `targets[r]` its item, and
/// `negatives[r·K ..< (r+1)·K]` its own negatives where the loss draws per row or per user.
public struct ScoredRows: Sendable {
    public var rows: [Int32] = []
    public var targets: [Int32] = []
    public var negatives: [Int32] = []
    public init() {}
    public var count: Int { rows.count }
    /// K, the negatives each row carries (0 when none).
    public var negativesPerRow: Int { rows.isEmpty ? 0 : negatives.count / rows.count }
}

/// Buffers the losses need, allocated once for the largest batch and grown on demand.
public final class LossWorkspace {
    let block = 256
    let gathered: FloatBuffer  // [R, C]
    let gatheredGradient: FloatBuffer  // [R, C]
    var logits: FloatBuffer  // [block, V] or [R, K]
    var vectors: FloatBuffer  // [K, C]
    var vectorGradients: FloatBuffer  // [K, C]
    /// Full CE: dL/d item vectors accumulated transposed, [C, V] (that GEMM runs faster this way round).
    var itemGradientsTransposed: FloatBuffer
    /// Full CE, per block: each row's softmax scale, E·W and the scaled user vectors, [block], [block, C] ×2.
    let rowScales, blockProducts, scaledRows: FloatBuffer
    /// Full CE with label smoothing: the catalog's mean item vector and the sum of the scored user
    /// vectors, [C] each.
    let meanItem, rowSum: FloatBuffer
    /// RECE: the item vectors in one round's bucket order and their gradients, [V, C] each.
    var orderedItems = FloatBuffer(count: 0), orderedItemGradients = FloatBuffer(count: 0)

    public init(maxRows: Int, hidden: Int) {
        gathered = FloatBuffer(count: maxRows * hidden)
        gatheredGradient = FloatBuffer(count: maxRows * hidden)
        logits = FloatBuffer(count: 0)
        vectors = FloatBuffer(count: 0)
        vectorGradients = FloatBuffer(count: 0)
        itemGradientsTransposed = FloatBuffer(count: 0)
        rowScales = FloatBuffer(count: block)
        blockProducts = FloatBuffer(count: block * hidden)
        scaledRows = FloatBuffer(count: block * hidden)
        meanItem = FloatBuffer(count: hidden)
        rowSum = FloatBuffer(count: hidden)
    }

    func ensureLogits(_ count: Int) { if logits.count < count { logits = FloatBuffer(count: count) } }
    func ensureTransposedItemGradients(_ count: Int) {
        if itemGradientsTransposed.count != count { itemGradientsTransposed = FloatBuffer(count: count) }
    }
    func ensureOrderedItems(_ count: Int) {
        if orderedItems.count < count { orderedItems = FloatBuffer(count: count); orderedItemGradients = FloatBuffer(count: count) }
    }
    func ensureVectors(_ count: Int) {
        if vectors.count < count { vectors = FloatBuffer(count: count); vectorGradients = FloatBuffer(count: count) }
    }
}

public enum Loss {
    /// Computes the loss and its gradients. Gradients are of the sum over the rows divided by
    /// `normalizer` (default: the rows, i.e. of the mean; a shard of a batch passes the whole
    /// batch's rows). Returns the mean over these rows. `inputs.temperature` divides every logit.
    /// `prepared` is the loss's per-step preparation (made here when nil and the loss needs one).
    public static func compute(
        _ kind: LossKind, network: Network, rows: ScoredRows, workspace: LossWorkspace, inputs: LossInputs = LossInputs(),
        normalizer: Int? = nil, prepared: (any LossPreparation)? = nil
    ) -> Float {
        precondition(inputs.labelSmoothing == 0 || kind == .fullCrossEntropy, "label smoothing is implemented for full CE only")
        guard rows.count > 0 else { return 0 }
        let function = kind.function
        let c = network.shape.architecture.hidden
        gather(network: network, rows: rows, into: workspace.gathered)
        // Logits are linear in the user vector, so scoring u/τ divides them by τ; the chain rule
        // then scales the user vectors' gradient by 1/τ as well (item gradients already see u/τ).
        let inverse = 1 / inputs.temperature
        if inverse != 1 { SRTTensor.scale(workspace.gathered.pointer, count: rows.count * c, by: inverse) }
        workspace.gatheredGradient.pointer.update(repeating: 0, count: rows.count * c)
        let scale = 1 / Float(normalizer ?? rows.count)
        let preparation = prepared ?? function.prepare(network: network, inputs: inputs, batchRows: normalizer ?? rows.count)
        let total = function.sum(network: network, rows: rows, inputs: inputs, prepared: preparation, workspace: workspace, scale: scale)
        if inverse != 1 { SRTTensor.scale(workspace.gatheredGradient.pointer, count: rows.count * c, by: inverse) }
        scatter(workspace.gatheredGradient, rows: rows, network: network)
        return Float(total / Double(rows.count))
    }

    static func gather(network: Network, rows: ScoredRows, into buffer: FloatBuffer) {
        let c = network.shape.architecture.hidden
        for (r, row) in rows.rows.enumerated() {
            (buffer.pointer + r * c).update(from: network.hidden.pointer + Int(row) * c, count: c)
        }
    }

    static func scatter(_ buffer: FloatBuffer, rows: ScoredRows, network: Network) {
        let c = network.shape.architecture.hidden
        for (r, row) in rows.rows.enumerated() {
            let d = network.hiddenGradient.pointer + Int(row) * c, g = buffer.pointer + r * c
            for j in 0..<c { d[j] += g[j] }
        }
    }
}

extension Network {
    /// One gradient evaluation, shared by training steps, the Fisher pass and benchmarks: encode
    /// items (all, or only `itemSubset`: then every item index in `sequences`, `rows` and
    /// `inputs.sharedNegatives` is a row of that subset, and `inputs.logQ` is indexed the same way),
    /// leaving out the pieces `tokenDropout` drops, zero the gradients, run forward, compute the loss on `rows`, back-propagate into `grads`.
    /// Returns the mean loss over the scored rows.
    public func lossAndGradients(
        _ kind: LossKind, sequences: [Int32], batch: Int, length: Int? = nil, rows: ScoredRows, workspace: LossWorkspace,
        inputs: LossInputs = LossInputs(), training: Bool, itemSubset: [Int32]? = nil, tokenDropout: TokenDropout? = nil,
        rng: inout RandomSource
    ) -> Float {
        encodeItems(only: itemSubset, dropping: tokenDropout)
        zeroGradients()
        forward(sequences, batch: batch, length: length, training: training, rng: &rng)
        hiddenGradient.zero()
        let loss = Loss.compute(kind, network: self, rows: rows, workspace: workspace, inputs: inputs)
        backward()
        encodeItemsBackward()
        return loss
    }
}
