import SRTTensor

// The SRT network: item encoder → positions → post-LN causal transformer → per-position user
// vectors; scores are dot products with item vectors (REFERENCE.md §1.3–1.4).
//
// Legend: B batch, T max length, M = B·T rows, C hidden, F inner, NH heads, L layers, V items,
// NF text fields, P pieces per field, E token width, S token vocabulary.
// Inputs are left-aligned item indices [B,T] with −1 as padding after the last item.
// Every buffer below is allocated once for (maxBatch, T); forward and backward reuse them.

/// The text of each catalog item as token ids: tokens[(v·NF + f)·P + p], −1 = padding.
public struct ItemTokens: Sendable {
    public let items: Int
    public let fields: Int
    public let pieces: Int
    public let ids: [Int32]

    public init(items: Int, fields: Int, pieces: Int, ids: [Int32]) {
        precondition(ids.count == items * fields * pieces)
        self.items = items
        self.fields = fields
        self.pieces = pieces
        self.ids = ids
    }
}

/// One transformer layer's cached activations, [M,·] each.
final class LayerActivations {
    let qkv, attention, attentionDropped, attentionMask, attentionOut, projection, projectionMask: FloatBuffer
    let residual1, norm1, mean1, rstd1, fc1, gelu, fc2, fc2Mask, residual2, norm2, mean2, rstd2: FloatBuffer

    init(m: Int, c: Int, f: Int, attentionCount: Int) {
        qkv = FloatBuffer(count: m * 3 * c)
        attention = FloatBuffer(count: attentionCount)
        attentionDropped = FloatBuffer(count: attentionCount)
        attentionMask = FloatBuffer(count: attentionCount)
        attentionOut = FloatBuffer(count: m * c)
        projection = FloatBuffer(count: m * c)
        projectionMask = FloatBuffer(count: m * c)
        residual1 = FloatBuffer(count: m * c)
        norm1 = FloatBuffer(count: m * c)
        mean1 = FloatBuffer(count: m)
        rstd1 = FloatBuffer(count: m)
        fc1 = FloatBuffer(count: m * f)
        gelu = FloatBuffer(count: m * f)
        fc2 = FloatBuffer(count: m * c)
        fc2Mask = FloatBuffer(count: m * c)
        residual2 = FloatBuffer(count: m * c)
        norm2 = FloatBuffer(count: m * c)
        mean2 = FloatBuffer(count: m)
        rstd2 = FloatBuffer(count: m)
    }
}

public final class Network: @unchecked Sendable {
    public let shape: ModelShape
    public let layout: ParameterLayout
    public let maxBatch: Int
    /// Parameters, gradients: one flat buffer each, addressed through `layout`.
    public let params: FloatBuffer
    public let grads: FloatBuffer

    // Item encoder state for the current catalog.
    /// Items in the catalog (V).
    public private(set) var catalogItems: Int
    /// Rows of `itemVectors` in use: V after `encodeItems()`, U after `encodeItems(only:)`.
    public private(set) var items: Int
    /// The catalog items behind the rows of `itemVectors` when a subset is encoded (row i is item
    /// `encodedSubset[i]`); nil when every item is, in catalog order.
    public private(set) var encodedSubset: [Int32]?
    /// The pieces the last `encodeItems` left out (training only), which its backward must leave out too.
    public private(set) var encodedDropout: TokenDropout?
    var tokens: [Int32] = []
    var pooled: FloatBuffer      // [V, NF·E] (text); a subset uses the first U rows
    var pooledGradient: FloatBuffer  // [V, NF·E] (text)
    public private(set) var itemVectors: FloatBuffer  // [V, C]
    public private(set) var itemGradients: FloatBuffer  // [V, C] dL/d itemVectors

    // Input block.
    let inputIndex: UnsafeMutablePointer<Int32>  // [M]
    let inputSum, inputNorm, inputMean, inputRstd, inputMask, input: FloatBuffer
    let layerActs: [LayerActivations]
    /// Pre-LN only: the final LayerNorm's caches.
    let finalMean, finalRstd: FloatBuffer
    /// The output: user vectors at every position, [M, C].
    public let hidden: FloatBuffer
    /// dL/d hidden, written by the loss before `backward`.
    public let hiddenGradient: FloatBuffer

    // Gradient scratch for one layer, reused by every layer.
    let dQKV, dAttentionOut, dProjection, dResidual1, dNorm1, dFC1, dGelu, dFC2, dResidual2, dInput, attentionScratch: FloatBuffer
    var currentBatch = 0
    /// Positions per sequence in the current batch (≤ maxLength): short batches skip the padding.
    public private(set) var currentLength = 0

    public convenience init(shape: ModelShape, maxBatch: Int, seed: UInt64 = 2020) {
        self.init(shape: shape, maxBatch: maxBatch, params: FloatBuffer(count: ParameterLayout(shape).count))
        initialize(seed: seed)
    }

    /// A worker for data-parallel steps (`ShardedGradients`): reads `primary`'s parameters and item
    /// vectors, and owns its own gradients and activations for up to `maxBatch` sequences.
    convenience init(replicaOf primary: Network, maxBatch: Int) {
        self.init(shape: primary.shape, maxBatch: maxBatch, params: primary.params)
    }

    private init(shape: ModelShape, maxBatch: Int, params: FloatBuffer) {
        self.shape = shape
        layout = ParameterLayout(shape)
        self.maxBatch = maxBatch
        self.params = params
        grads = FloatBuffer(count: layout.count)
        let a = shape.architecture
        let m = maxBatch * a.maxLength, c = a.hidden, f = a.inner
        let attentionCount = maxBatch * a.heads * a.maxLength * a.maxLength
        items = shape.items
        catalogItems = shape.items
        pooled = FloatBuffer(count: 0)
        pooledGradient = FloatBuffer(count: 0)
        itemVectors = FloatBuffer(count: shape.items * c)
        itemGradients = FloatBuffer(count: shape.items * c)
        inputIndex = .allocate(capacity: m)
        inputIndex.initialize(repeating: -1, count: m)
        inputSum = FloatBuffer(count: m * c)
        inputNorm = FloatBuffer(count: m * c)
        inputMean = FloatBuffer(count: m)
        inputRstd = FloatBuffer(count: m)
        inputMask = FloatBuffer(count: m * c)
        input = FloatBuffer(count: m * c)
        layerActs = (0..<a.layers).map { _ in LayerActivations(m: m, c: c, f: f, attentionCount: attentionCount) }
        finalMean = FloatBuffer(count: m)
        finalRstd = FloatBuffer(count: m)
        hidden = FloatBuffer(count: m * c)
        hiddenGradient = FloatBuffer(count: m * c)
        dQKV = FloatBuffer(count: m * 3 * c)
        dAttentionOut = FloatBuffer(count: m * c)
        dProjection = FloatBuffer(count: m * c)
        dResidual1 = FloatBuffer(count: m * c)
        dNorm1 = FloatBuffer(count: m * c)
        dFC1 = FloatBuffer(count: m * f)
        dGelu = FloatBuffer(count: m * f)
        dFC2 = FloatBuffer(count: m * c)
        dResidual2 = FloatBuffer(count: m * c)
        dInput = FloatBuffer(count: m * c)
        attentionScratch = FloatBuffer(count: 2 * a.maxLength * a.maxLength)
    }

    deinit { inputIndex.deallocate() }

    /// The standard deviation of the reference initialization's weights and embeddings.
    public static let initialScale: Float = 0.02

    /// The reference initialization: N(0, 0.02) for weights and embeddings, 0 for biases, LayerNorm 1/0.
    public func initialize(seed: UInt64) {
        var rng = RandomSource(seed: seed)
        // A text model's ID part starts at zero, so the model begins as its text encoder alone (and
        // draws nothing for it: every other tensor starts as the text-only model's would).
        let zeroTable = shape.itemEncoder.kind == .text && shape.itemEncoder.hasItemTable
        for entry in layout.entries {
            let p = params.pointer + entry.offset
            if zeroTable && entry.name == ParameterLayout.itemEmbeddingName {
                p.update(repeating: 0, count: entry.count)
            } else if entry.name.hasSuffix("norm.weight") {
                p.update(repeating: 1, count: entry.count)
            } else if entry.name.hasSuffix(".bias") {
                p.update(repeating: 0, count: entry.count)
            } else {
                for i in 0..<entry.count { p[i] = Self.initialScale * rng.nextGaussian() }
            }
        }
    }

    /// Moves each tensor toward a fresh initialization (`initialize(seed:)`'s) by the keep its name
    /// is given: θ ← keep·θ + (1 − keep)·θ₀, one fresh initialization for all of them. This is "shrink
    /// and perturb" (Ash & Adams, NeurIPS 2020) with the perturbation drawn as a fresh model would
    /// start: weights a pretraining grew large come back toward a trainable scale, LayerNorm gains
    /// toward 1, while keep of what they learned stays.
    public func blendTowardInitialization(seed: UInt64, keep: (String) -> Float) {
        blend(toward: Network(shape: shape, maxBatch: 1, seed: seed).params.array, keep: keep)
    }

    /// θ ← keep·θ + (1 − keep)·other, each tensor with the keep its name is given (1 leaves it as it
    /// is); `other` is a parameter vector of this layout (a fresh initialization, a fine-tune's start).
    public func blend(toward other: [Float], keep: (String) -> Float) {
        precondition(other.count == layout.count)
        let p = params.pointer
        for entry in layout.entries {
            let k = keep(entry.name)
            precondition(k >= 0 && k <= 1, "keep \(k) for \(entry.name)")
            guard k < 1 else { continue }
            for i in entry.range { p[i] = k * p[i] + (1 - k) * other[i] }
        }
    }

    public func parameter(_ name: String) -> UnsafeMutablePointer<Float> { params.pointer + layout[name].offset }

    /// Scales tensor `name` so its root-mean-square is `rms` (its direction kept); returns the old one.
    @discardableResult
    public func rescale(_ name: String, toRMS rms: Float) -> Float {
        let entry = layout[name], p = params.pointer + entry.offset
        var sum = 0.0
        for i in 0..<entry.count { sum += Double(p[i]) * Double(p[i]) }
        let old = Float((sum / Double(max(entry.count, 1))).squareRoot())
        if old > 0 { for i in 0..<entry.count { p[i] *= rms / old } }
        return old
    }
    public func gradient(_ name: String) -> UnsafeMutablePointer<Float> { grads.pointer + layout[name].offset }

    // MARK: - Item encoder

    /// Sets the catalog of a text model: each item's token ids. Items may differ from training
    /// (fine-tuning, evaluation on unseen items): they are encoded from their text.
    public func setCatalog(_ catalog: ItemTokens) {
        precondition(shape.itemEncoder.kind == .text && catalog.fields == shape.itemEncoder.fields.count)
        precondition(!shape.itemEncoder.hasItemTable || catalog.items == shape.items, "a text model with item IDs scores the catalog its table was built for")
        tokens = catalog.ids
        resizeCatalog(catalog.items, pieces: catalog.pieces)
    }

    var pieces = 0

    /// Points a replica at the primary's current item vectors (computed once per step by the
    /// primary) and sizes its own item gradients to match.
    func followItems(of primary: Network) {
        items = primary.items
        catalogItems = primary.catalogItems
        encodedSubset = primary.encodedSubset
        encodedDropout = primary.encodedDropout
        itemVectors = primary.itemVectors
        if itemGradients.count != primary.itemGradients.count { itemGradients = FloatBuffer(count: primary.itemGradients.count) }
    }

    private var scoring: Network?

    /// A network for forward passes of up to `maxBatch` sequences with this one's weights and its
    /// item vectors as now encoded, and activations of its own (this network when its batch is that
    /// size): evaluation scores in batches of one size, whatever batch training uses.
    public func scoringReplica(maxBatch: Int) -> Network {
        guard maxBatch != self.maxBatch else { return self }
        let replica = scoring.flatMap { $0.maxBatch == maxBatch ? $0 : nil } ?? Network(replicaOf: self, maxBatch: maxBatch)
        scoring = replica
        replica.followItems(of: self)
        return replica
    }

    func resizeCatalog(_ count: Int, pieces: Int) {
        self.pieces = pieces
        let c = shape.architecture.hidden
        encodedSubset = nil
        encodedDropout = nil
        if count != catalogItems || itemVectors.count != count * c {
            items = count
            catalogItems = count
            itemVectors = FloatBuffer(count: count * c)
            itemGradients = FloatBuffer(count: count * c)
        }
        let width = shape.itemEncoder.fields.count * shape.itemEncoder.tokenEmbedding
        if pooled.count != count * width {
            pooled = FloatBuffer(count: count * width)
            pooledGradient = FloatBuffer(count: count * width)
        }
    }

    /// Computes every item's vector into `itemVectors` [V, C], in catalog order.
    public func encodeItems() { encodeItems(only: nil) }

    /// Computes the vectors of `subset`'s items (catalog indices, each once) into the first U rows
    /// of `itemVectors`, row i for `subset[i]`; nil encodes the whole catalog. Sampled losses
    /// touch only a step's inputs, targets and negatives, so a step costs the same at 10k items
    /// as at a million. Inputs and targets given to `forward` and the losses then index rows.
    /// `workers` threads share the text encoder's pooling (each its own columns of the token width).
    public func encodeItems(only subset: [Int32]?, dropping dropout: TokenDropout? = nil, workers: Int = 1) {
        let c = shape.architecture.hidden
        encodedSubset = subset
        encodedDropout = dropout
        items = subset?.count ?? catalogItems
        switch shape.itemEncoder.kind {
        case .id:
            let table = parameter(ParameterLayout.itemEmbeddingName)
            if let subset {
                for (row, item) in subset.enumerated() { (itemVectors.pointer + row * c).update(from: table + Int(item) * c, count: c) }
            } else {
                itemVectors.pointer.update(from: table, count: items * c)
            }
        case .text:
            let e = shape.itemEncoder.tokenEmbedding, nf = shape.itemEncoder.fields.count
            let table = parameter("item_encoder.token_embedding.weight")
            (pooled.pointer).update(repeating: 0, count: items * nf * e)
            // Masked sum of each field's token embeddings (padding −1 contributes nothing).
            let scale = dropout?.scale ?? 1
            Self.forEachColumnSlice(of: e, workers: workers) { columns in
                forEachKeptPiece(subset: subset, dropout: dropout) { field, token in
                    let out = pooled.pointer + field * e, tokenRow = table + token * e
                    for j in columns { out[j] += scale * tokenRow[j] }  // × 1 when nothing drops: exact
                }
            }
            linearForward(itemVectors.pointer, pooled.pointer, parameter("item_encoder.adapter.weight"),
                          parameter("item_encoder.adapter.bias"), m: items, c: nf * e, oc: c)
            if shape.itemEncoder.hasItemTable {  // the ID part: each row's item's own vector added
                let table = parameter(ParameterLayout.itemEmbeddingName)
                for row in 0..<items { Self.add(table + encodedItem(row) * c, into: itemVectors.pointer + row * c, count: c) }
            }
        }
    }

    /// The catalog item behind row `row` of `itemVectors`.
    private func encodedItem(_ row: Int) -> Int { encodedSubset.map { Int($0[row]) } ?? row }

    /// out[j] += x[j] for j < count.
    private static func add(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        for j in 0..<count { out[j] += x[j] }
    }

    /// Calls `body(field, token)` for every piece the encoding sums, in order: `field` is the row
    /// of `pooled` it sums into (encoded row · fields + field), `token` its row of the token table.
    /// Padding (−1) ends a field; pieces that `dropout` leaves out are skipped.
    @inline(__always)
    private func forEachKeptPiece(subset: [Int32]?, dropout: TokenDropout?, _ body: (Int, Int) -> Void) {
        let nf = shape.itemEncoder.fields.count, pieces = pieces, tokens = tokens  // read once, not per piece
        for row in 0..<items {
            let v = subset.map { Int($0[row]) } ?? row
            for f in 0..<nf {
                let ids = (v * nf + f) * pieces
                for p in 0..<pieces {
                    let t = Int(tokens[ids + p])
                    if t < 0 { break }
                    if let dropout, !dropout.keeps(item: v, slot: f * pieces + p) { continue }
                    body(row * nf + f, t)
                }
            }
        }
    }

    /// Runs `body` on up to `workers` slices of the token width's columns at once. Items share
    /// token rows, so workers split the columns, not the items: no two write the same float, and
    /// each float sums its terms in the order one worker would.
    private static func forEachColumnSlice(of width: Int, workers: Int, _ body: (Range<Int>) -> Void) {
        forEachPart(of: width, parts: min(workers, width / 8), alignment: 8, body)
    }

    /// Propagates `itemGradients` (the rows `encodeItems` wrote) into the encoder's parameters
    /// (accumulating); `workers` threads share the pooling's backward as in `encodeItems`.
    public func encodeItemsBackward(workers: Int = 1) {
        let c = shape.architecture.hidden
        let subset = encodedSubset
        switch shape.itemEncoder.kind {
        case .id:
            let g = gradient(ParameterLayout.itemEmbeddingName)
            if let subset {
                for (row, item) in subset.enumerated() {
                    let d = itemGradients.pointer + row * c, out = g + Int(item) * c
                    for j in 0..<c { out[j] += d[j] }
                }
            } else {
                for i in 0..<(items * c) { g[i] += itemGradients[i] }
            }
        case .text:
            let e = shape.itemEncoder.tokenEmbedding, nf = shape.itemEncoder.fields.count
            let dPooled = pooledGradient  // allocated with the catalog, not per step
            dPooled.pointer.update(repeating: 0, count: items * nf * e)
            linearBackward(dPooled.pointer, gradient("item_encoder.adapter.weight"), gradient("item_encoder.adapter.bias"),
                           itemGradients.pointer, pooled.pointer, parameter("item_encoder.adapter.weight"), m: items, c: nf * e, oc: c)
            if shape.itemEncoder.hasItemTable {
                let g = gradient(ParameterLayout.itemEmbeddingName)
                for row in 0..<items { Self.add(itemGradients.pointer + row * c, into: g + encodedItem(row) * c, count: c) }
            }
            let dTable = gradient("item_encoder.token_embedding.weight")
            let dropout = encodedDropout, scale = dropout?.scale ?? 1
            Self.forEachColumnSlice(of: e, workers: workers) { columns in
                forEachKeptPiece(subset: subset, dropout: dropout) { field, token in
                    let d = dPooled.pointer + field * e, tokenRow = dTable + token * e
                    for j in columns { tokenRow[j] += scale * d[j] }
                }
            }
        }
    }

    // MARK: - Forward

    /// Runs the transformer on `batch` sequences of `length` positions each ([batch·length] item
    /// indices, −1 padding after the last item; length defaults to the maximum) and leaves user
    /// vectors at every position in `hidden`, rows indexed b·length + t. Call `encodeItems()` first.
    public func forward(_ sequences: [Int32], batch: Int, length: Int? = nil, training: Bool, rng: inout RandomSource) {
        let a = shape.architecture
        let T = length ?? a.maxLength, C = a.hidden, F = a.inner, M = batch * T
        precondition(batch <= maxBatch && T <= a.maxLength && sequences.count == M)
        currentBatch = batch
        currentLength = T
        let hiddenDrop = Float(training ? a.hiddenDropout : 0), attentionDrop = Float(training ? a.attentionDropout : 0)
        let eps: Float = 1e-12
        sequences.withUnsafeBufferPointer { inputIndex.update(from: $0.baseAddress!, count: M) }

        // x = LN(item + position), dropout
        embeddingForward(inputSum.pointer, itemVectors.pointer, inputIndex, m: M, c: C)
        let pos = parameter("position_embedding.weight")
        for row in 0..<M {
            let x = inputSum.pointer + row * C, p = pos + (row % T) * C
            for j in 0..<C { x[j] += p[j] }
        }
        layerNormForward(inputNorm.pointer, inputMean.pointer, inputRstd.pointer, inputSum.pointer,
                         parameter("input_norm.weight"), parameter("input_norm.bias"), m: M, c: C, eps: eps)
        dropoutForward(input.pointer, inputMask.pointer, inputNorm.pointer, count: M * C, p: hiddenDrop, rng: &rng)

        var h = input.pointer
        let attShape = AttentionShape(b: batch, t: T, c: C, heads: a.heads)
        let pre = a.norm == .pre
        for (l, acts) in layerActs.enumerated() {
            let p = "layers.\(l)."
            // post-LN: h1 = LN(h + Dropout(W_o · Attention(h)));   pre-LN: h1 = h + Dropout(W_o · Attention(LN(h)))
            // (pre-LN keeps LN(h) in norm1 and h1 in residual1)
            if pre {
                layerNormForward(acts.norm1.pointer, acts.mean1.pointer, acts.rstd1.pointer, h,
                                 parameter(p + "attention_norm.weight"), parameter(p + "attention_norm.bias"), m: M, c: C, eps: eps)
            }
            let attentionInput = pre ? UnsafePointer(acts.norm1.pointer) : UnsafePointer(h)
            linearForward(acts.qkv.pointer, attentionInput, parameter(p + "attention.qkv.weight"), parameter(p + "attention.qkv.bias"), m: M, c: C, oc: 3 * C)
            attentionForward(acts.attentionOut.pointer, acts.attention.pointer, acts.attentionDropped.pointer, acts.attentionMask.pointer,
                             acts.qkv.pointer, shape: attShape, dropout: attentionDrop, rng: &rng)
            linearForward(acts.projection.pointer, acts.attentionOut.pointer, parameter(p + "attention.out.weight"),
                          parameter(p + "attention.out.bias"), m: M, c: C, oc: C)
            dropoutForward(acts.residual1.pointer, acts.projectionMask.pointer, acts.projection.pointer, count: M * C, p: hiddenDrop, rng: &rng)
            for i in 0..<(M * C) { acts.residual1[i] += h[i] }
            // post-LN: h2 = LN(h1 + Dropout(W2 · GELU(W1 · h1)));  pre-LN: h2 = h1 + Dropout(W2 · GELU(W1 · LN(h1)))
            // (post-LN keeps h1 in norm1; pre-LN keeps LN(h1) in norm2 and h2 in residual2)
            let ffnNormOut = pre ? acts.norm2.pointer : acts.norm1.pointer
            let ffnNormInput = acts.residual1.pointer
            layerNormForward(ffnNormOut, pre ? acts.mean2.pointer : acts.mean1.pointer, pre ? acts.rstd2.pointer : acts.rstd1.pointer, ffnNormInput,
                             parameter(p + (pre ? "ffn_norm.weight" : "attention_norm.weight")),
                             parameter(p + (pre ? "ffn_norm.bias" : "attention_norm.bias")), m: M, c: C, eps: eps)
            linearForward(acts.fc1.pointer, ffnNormOut, parameter(p + "ffn.fc1.weight"), parameter(p + "ffn.fc1.bias"), m: M, c: C, oc: F)
            geluForward(acts.gelu.pointer, acts.fc1.pointer, count: M * F)
            linearForward(acts.fc2.pointer, acts.gelu.pointer, parameter(p + "ffn.fc2.weight"), parameter(p + "ffn.fc2.bias"), m: M, c: F, oc: C)
            dropoutForward(acts.residual2.pointer, acts.fc2Mask.pointer, acts.fc2.pointer, count: M * C, p: hiddenDrop, rng: &rng)
            let ffnResidual = pre ? acts.residual1.pointer : acts.norm1.pointer
            for i in 0..<(M * C) { acts.residual2[i] += ffnResidual[i] }
            if pre {
                h = acts.residual2.pointer
            } else {
                layerNormForward(acts.norm2.pointer, acts.mean2.pointer, acts.rstd2.pointer, acts.residual2.pointer,
                                 parameter(p + "ffn_norm.weight"), parameter(p + "ffn_norm.bias"), m: M, c: C, eps: eps)
                h = acts.norm2.pointer
            }
        }
        if pre {
            layerNormForward(hidden.pointer, finalMean.pointer, finalRstd.pointer, h,
                             parameter("final_norm.weight"), parameter("final_norm.bias"), m: M, c: C, eps: eps)
        } else {
            hidden.pointer.update(from: h, count: M * C)
        }
    }

    // MARK: - Backward

    /// Back-propagates `hiddenGradient` through the transformer, accumulating into `grads` and
    /// `itemGradients` (for the input lookups). The loss adds its own item gradients; then call
    /// `encodeItemsBackward()`.
    public func backward() {
        let a = shape.architecture
        let T = currentLength, C = a.hidden, F = a.inner, M = currentBatch * T
        let attShape = AttentionShape(b: currentBatch, t: T, c: C, heads: a.heads)
        let pre = a.norm == .pre
        var dH = hiddenGradient.pointer  // dL/d(output of the current layer)
        if pre {
            // Through the final LayerNorm; its input is the last layer's output (residual2).
            let last = layerActs[layerActs.count - 1].residual2.pointer
            dInput.pointer.update(repeating: 0, count: M * C)
            layerNormBackward(dInput.pointer, gradient("final_norm.weight"), gradient("final_norm.bias"), dH, last,
                              parameter("final_norm.weight"), finalMean.pointer, finalRstd.pointer, m: M, c: C)
            hiddenGradient.pointer.update(from: dInput.pointer, count: M * C)
        }
        for l in stride(from: layerActs.count - 1, through: 0, by: -1) {
            let acts = layerActs[l], p = "layers.\(l)."
            let h = l == 0 ? input.pointer : (pre ? layerActs[l - 1].residual2.pointer : layerActs[l - 1].norm2.pointer)
            for buffer in [dQKV, dAttentionOut, dProjection, dResidual1, dNorm1, dFC1, dGelu, dFC2, dResidual2, dInput] {
                buffer.pointer.update(repeating: 0, count: buffer === dQKV ? M * 3 * C : (buffer === dFC1 || buffer === dGelu ? M * F : M * C))
            }
            if pre {
                // y = h1 + Dropout(FFN(LN2(h1))), h1 = h + Dropout(Attn(LN1(h))).  dH = dL/dy.
                for i in 0..<(M * C) { dResidual1[i] = dH[i] }  // dL/dh1 through the residual
                dropoutBackward(dFC2.pointer, dH, acts.fc2Mask.pointer, count: M * C)
                linearBackward(dGelu.pointer, gradient(p + "ffn.fc2.weight"), gradient(p + "ffn.fc2.bias"), dFC2.pointer,
                               acts.gelu.pointer, parameter(p + "ffn.fc2.weight"), m: M, c: F, oc: C)
                geluBackward(dFC1.pointer, acts.fc1.pointer, dGelu.pointer, count: M * F)
                linearBackward(dResidual2.pointer, gradient(p + "ffn.fc1.weight"), gradient(p + "ffn.fc1.bias"), dFC1.pointer,
                               acts.norm2.pointer, parameter(p + "ffn.fc1.weight"), m: M, c: C, oc: F)  // dResidual2 = dL/dLN2(h1)
                layerNormBackward(dResidual1.pointer, gradient(p + "ffn_norm.weight"), gradient(p + "ffn_norm.bias"), dResidual2.pointer,
                                  acts.residual1.pointer, parameter(p + "ffn_norm.weight"), acts.mean2.pointer, acts.rstd2.pointer, m: M, c: C)
                for i in 0..<(M * C) { dInput[i] += dResidual1[i] }  // dL/dh through the attention residual
                dropoutBackward(dProjection.pointer, dResidual1.pointer, acts.projectionMask.pointer, count: M * C)
                linearBackward(dAttentionOut.pointer, gradient(p + "attention.out.weight"), gradient(p + "attention.out.bias"), dProjection.pointer,
                               acts.attentionOut.pointer, parameter(p + "attention.out.weight"), m: M, c: C, oc: C)
                attentionBackward(dQKV.pointer, dAttentionOut.pointer, acts.qkv.pointer, acts.attention.pointer, acts.attentionDropped.pointer,
                                  acts.attentionMask.pointer, shape: attShape, scratch: attentionScratch.pointer)
                linearBackward(dNorm1.pointer, gradient(p + "attention.qkv.weight"), gradient(p + "attention.qkv.bias"), dQKV.pointer,
                               acts.norm1.pointer, parameter(p + "attention.qkv.weight"), m: M, c: C, oc: 3 * C)
                layerNormBackward(dInput.pointer, gradient(p + "attention_norm.weight"), gradient(p + "attention_norm.bias"), dNorm1.pointer,
                                  h, parameter(p + "attention_norm.weight"), acts.mean1.pointer, acts.rstd1.pointer, m: M, c: C)
                hiddenGradient.pointer.update(from: dInput.pointer, count: M * C)
                dH = hiddenGradient.pointer
                continue
            }
            // Feed-forward block.
            layerNormBackward(dResidual2.pointer, gradient(p + "ffn_norm.weight"), gradient(p + "ffn_norm.bias"), dH,
                              acts.residual2.pointer, parameter(p + "ffn_norm.weight"), acts.mean2.pointer, acts.rstd2.pointer, m: M, c: C)
            for i in 0..<(M * C) { dNorm1[i] += dResidual2[i] }
            dropoutBackward(dFC2.pointer, dResidual2.pointer, acts.fc2Mask.pointer, count: M * C)
            linearBackward(dGelu.pointer, gradient(p + "ffn.fc2.weight"), gradient(p + "ffn.fc2.bias"), dFC2.pointer,
                           acts.gelu.pointer, parameter(p + "ffn.fc2.weight"), m: M, c: F, oc: C)
            geluBackward(dFC1.pointer, acts.fc1.pointer, dGelu.pointer, count: M * F)
            linearBackward(dNorm1.pointer, gradient(p + "ffn.fc1.weight"), gradient(p + "ffn.fc1.bias"), dFC1.pointer,
                           acts.norm1.pointer, parameter(p + "ffn.fc1.weight"), m: M, c: C, oc: F)
            // Attention block.
            layerNormBackward(dResidual1.pointer, gradient(p + "attention_norm.weight"), gradient(p + "attention_norm.bias"), dNorm1.pointer,
                              acts.residual1.pointer, parameter(p + "attention_norm.weight"), acts.mean1.pointer, acts.rstd1.pointer, m: M, c: C)
            for i in 0..<(M * C) { dInput[i] += dResidual1[i] }
            dropoutBackward(dProjection.pointer, dResidual1.pointer, acts.projectionMask.pointer, count: M * C)
            linearBackward(dAttentionOut.pointer, gradient(p + "attention.out.weight"), gradient(p + "attention.out.bias"), dProjection.pointer,
                           acts.attentionOut.pointer, parameter(p + "attention.out.weight"), m: M, c: C, oc: C)
            attentionBackward(dQKV.pointer, dAttentionOut.pointer, acts.qkv.pointer, acts.attention.pointer, acts.attentionDropped.pointer,
                              acts.attentionMask.pointer, shape: attShape, scratch: attentionScratch.pointer)
            linearBackward(dInput.pointer, gradient(p + "attention.qkv.weight"), gradient(p + "attention.qkv.bias"), dQKV.pointer,
                           h, parameter(p + "attention.qkv.weight"), m: M, c: C, oc: 3 * C)
            // dInput now holds dL/dh for this layer's input; it becomes the next dH. Keep it in
            // hiddenGradient's storage, which is no longer needed.
            hiddenGradient.pointer.update(from: dInput.pointer, count: M * C)
            dH = hiddenGradient.pointer
        }
        // Input block: dropout, LayerNorm, positions, item lookups.
        dInput.pointer.update(repeating: 0, count: M * C)
        dResidual1.pointer.update(repeating: 0, count: M * C)
        dropoutBackward(dResidual1.pointer, dH, inputMask.pointer, count: M * C)
        layerNormBackward(dInput.pointer, gradient("input_norm.weight"), gradient("input_norm.bias"), dResidual1.pointer,
                          inputSum.pointer, parameter("input_norm.weight"), inputMean.pointer, inputRstd.pointer, m: M, c: C)
        let dPos = gradient("position_embedding.weight")
        for row in 0..<M where inputIndex[row] >= 0 {
            let d = dInput.pointer + row * C, g = dPos + (row % T) * C
            for j in 0..<C { g[j] += d[j] }
        }
        embeddingBackward(itemGradients.pointer, dInput.pointer, inputIndex, m: M, c: C)
    }

    /// Zeroes parameter and item gradients (the item rows in use: call it after `encodeItems`):
    /// every step starts here, since backward accumulates.
    public func zeroGradients() {
        grads.zero()
        itemGradients.pointer.update(repeating: 0, count: items * shape.architecture.hidden)
    }
}
