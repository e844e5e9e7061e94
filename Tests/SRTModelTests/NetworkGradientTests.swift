import Foundation
import Testing
@testable import SRTModel
import SRTTensor

/// The whole model, end to end: every parameter's gradient against central finite differences of
/// the loss, for both item encoders and every loss, dropout off.
@Suite struct NetworkGradientTests {
    static let architecture = Architecture(name: "tiny", layers: 2, heads: 2, hidden: 8, inner: 12, maxLength: 5,
                                           hiddenDropout: 0, attentionDropout: 0)
    static let items = 7

    static func network(_ kind: ItemEncoderConfig.Kind, norm: Architecture.Norm = .post, itemIDs: Bool = false) -> Network {
        var architecture = Self.architecture
        architecture.norm = norm
        var encoder = kind == .text
            ? ItemEncoderConfig(kind: .text, fields: ["title", "brand"], maxPieces: [3, 2], vocabularySize: 11, tokenEmbedding: 4)
            : ItemEncoderConfig(kind: .id)
        if itemIDs { encoder.itemIDs = true }
        let net = Network(shape: ModelShape(architecture: architecture, itemEncoder: encoder, items: Self.items), maxBatch: 2, seed: 5)
        // Larger weights than the 0.02 init, so gradients are well above finite-difference noise.
        var rng = RandomSource(seed: 17)
        for i in 0..<net.params.count { net.params[i] += 0.3 * rng.nextGaussian() }
        if kind == .text {
            // 7 items × 2 fields × 3 pieces; −1 pads; token 10 shared by several items.
            let ids: [Int32] = [1, 2, -1, 10, -1, -1,  3, -1, -1, 10, 4, -1,  5, 6, 7, -1, -1, -1,  8, -1, -1, 9, -1, -1,
                                2, 3, -1, 10, -1, -1,  0, -1, -1, 4, -1, -1,  6, 6, -1, 9, 10, -1]
            net.setCatalog(ItemTokens(items: Self.items, fields: 2, pieces: 3, ids: ids))
        }
        return net
    }

    /// Two sequences, the second shorter (padding after it); targets are the next items.
    static let sequences: [Int32] = [0, 3, 5, 2, 6,  4, 1, 1, -1, -1]
    static var rows: ScoredRows {
        var r = ScoredRows()
        let next: [Int32] = [3, 5, 2, 6, 1,  1, 1, 0, -1, -1]
        let negatives: [Int32] = [6, 2, 0, 4, 3, 5, 2, 6, -1, -1]
        for i in 0..<10 where next[i] >= 0 {
            r.rows.append(Int32(i))
            r.targets.append(next[i])
            r.negatives.append(negatives[i])
        }
        return r
    }

    static let logQ: [Float] = (0..<items).map { Float(-2.0 - 0.1 * Double($0)) }
    static let sampled: [Int32] = [6, 0, 2, 3, 0]

    /// The rows with K negatives each: per row (distinct, never the row's target) or, where the loss
    /// draws per user, the same K for every row of a sequence.
    static func rows(for kind: LossKind) -> ScoredRows {
        var r = rows
        switch kind.function.negatives {
        case .unseenPerPosition(1): break
        case .unseenPerPosition(let k), .uniformPerPosition(let k):
            r.negatives = r.targets.enumerated().flatMap { i, t in (0..<k).map { j in Int32((Int(t) + 1 + (i + j) % (items - 1)) % items) } }
        case .unseenPerUser(let k):
            r.negatives = r.rows.flatMap { row in Array((row < 5 ? [0, 4, 1] : [2, 3, 4]).prefix(k)) as [Int32] }
        case .none, .sharedPopularity: r.negatives = []
        }
        return r
    }

    static func loss(_ net: Network, _ kind: LossKind, _ workspace: LossWorkspace, temperature: Float = 1,
                     labelSmoothing: Float = 0, prepared: (any LossPreparation)? = nil) -> Float {
        var rng = RandomSource(seed: 1)
        net.zeroGradients()
        net.encodeItems()
        net.forward(sequences, batch: 2, training: true, rng: &rng)
        net.hiddenGradient.zero()
        return Loss.compute(kind, network: net, rows: rows(for: kind), workspace: workspace,
                            inputs: LossInputs(sharedNegatives: sampled, logQ: logQ, temperature: temperature, labelSmoothing: labelSmoothing,
                                               population: items, seed: 42),
                            prepared: prepared)
    }

    /// RECE's plan at the current weights with the rows' windows fixed; nil for other losses.
    static func heldPlan(_ net: Network, _ kind: LossKind) -> RECEPlan? {
        guard case .reducedCrossEntropy = kind else { return nil }
        var rng = RandomSource(seed: 1)
        net.encodeItems()
        net.forward(sequences, batch: 2, training: true, rng: &rng)
        let plan = kind.function.prepare(network: net, inputs: LossInputs(seed: 42), batchRows: rows.count) as! RECEPlan
        let c = 8, hidden = net.hidden.array
        let gathered = rows.rows.flatMap { hidden[(Int($0) * c)..<(Int($0) * c + c)] }
        plan.heldCenters = plan.centerChunks(of: gathered, rows: rows.count)
        return plan
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let encoder: ItemEncoderConfig.Kind
        let loss: LossKind
        var norm: Architecture.Norm = .post
        var temperature: Float = 1
        var labelSmoothing: Float = 0
        var itemIDs = false
        var testDescription: String {
            "\(encoder) encoder\(itemIDs ? " with item IDs" : ""), \(loss) loss, \(norm)-LN, temperature \(temperature), label smoothing \(labelSmoothing)"
        }
    }

    @Test(arguments: [
        Case(encoder: .text, loss: .fullCrossEntropy), Case(encoder: .id, loss: .fullCrossEntropy),
        Case(encoder: .text, loss: .sampledSoftmax(negatives: 5)), Case(encoder: .text, loss: .sasrecBCE),
        Case(encoder: .id, loss: .sasrecBCE), Case(encoder: .text, loss: .binaryCrossEntropy(negatives: 3)),
        Case(encoder: .id, loss: .generalizedBinaryCrossEntropy(negatives: 4, t: 0.75)),
        Case(encoder: .text, loss: .negativeCrossEntropy(negatives: 3)), Case(encoder: .id, loss: .negativeCrossEntropy(negatives: 2), temperature: 0.7),
        Case(encoder: .text, loss: .reducedCrossEntropy(RECEOptions(buckets: 4, extra: 0, rounds: 3))),
        Case(encoder: .id, loss: .reducedCrossEntropy(RECEOptions(buckets: 3, extra: 1, rounds: 2))),
        Case(encoder: .text, loss: .fullCrossEntropy, norm: .pre), Case(encoder: .id, loss: .sampledSoftmax(negatives: 5), norm: .pre),
        Case(encoder: .id, loss: .fullCrossEntropy, temperature: 0.5), Case(encoder: .text, loss: .sampledSoftmax(negatives: 5), temperature: 0.7),
        Case(encoder: .text, loss: .fullCrossEntropy, labelSmoothing: 0.3),
        Case(encoder: .id, loss: .fullCrossEntropy, temperature: 0.5, labelSmoothing: 0.2),
        Case(encoder: .text, loss: .fullCrossEntropy, itemIDs: true), Case(encoder: .text, loss: .sampledSoftmax(negatives: 5), itemIDs: true),
    ])
    func everyParameterMatchesFiniteDifferences(_ c: Case) {
        let net = Self.network(c.encoder, norm: c.norm, itemIDs: c.itemIDs)
        #expect(net.layout.contains(ParameterLayout.itemEmbeddingName) == (c.encoder == .id || c.itemIDs))
        #expect(net.layout.contains("final_norm.weight") == (c.norm == .pre))
        let workspace = LossWorkspace(maxRows: 10, hidden: 8)
        // RECE is piecewise smooth: its projections, the items' buckets and the rows' windows are
        // held at the unperturbed weights', so the differences see one piece.
        let held = Self.heldPlan(net, c.loss)
        _ = Self.loss(net, c.loss, workspace, temperature: c.temperature, labelSmoothing: c.labelSmoothing, prepared: held)
        net.backward()
        net.encodeItemsBackward()
        let analytic = net.grads.array

        for (name, maxDiff, maxNumeric) in Self.finiteDifferenceErrors(net, analytic: analytic, loss: {
            Self.loss(net, c.loss, workspace, temperature: c.temperature, labelSmoothing: c.labelSmoothing, prepared: held)
        }) {
            #expect(maxDiff <= 3e-3 * max(1, maxNumeric) + 2e-4,
                    "\(c.testDescription) \(name): max |analytic − numeric| = \(maxDiff) (max |numeric| \(maxNumeric))")
        }
    }

    /// Per parameter tensor: the largest |analytic − numeric| over its entries, numeric by central
    /// differences of `loss` (step 1e-2), and the largest |numeric|.
    static func finiteDifferenceErrors(_ net: Network, analytic: [Float], loss: () -> Float) -> [(name: String, maxDiff: Float, maxNumeric: Float)] {
        let eps: Float = 1e-2
        return net.layout.entries.map { entry in
            var maxDiff: Float = 0, maxNumeric: Float = 0
            for i in entry.range {
                let saved = net.params[i]
                net.params[i] = saved + eps
                let plus = loss()
                net.params[i] = saved - eps
                let minus = loss()
                net.params[i] = saved
                let numeric = (plus - minus) / (2 * eps)
                maxDiff = max(maxDiff, abs(numeric - analytic[i]))
                maxNumeric = max(maxNumeric, abs(numeric))
            }
            return (entry.name, maxDiff, maxNumeric)
        }
    }

    /// The loss values themselves, with a temperature, against the formulas written out directly:
    /// full CE over (u·w)/τ, and the sampled softmax over (u·w − log q)/τ with accidental hits dropped.
    @Test(arguments: [Float(1), 0.5, 2])
    func temperatureDividesEveryLogit(_ temperature: Float) {
        let net = Self.network(.id)
        let workspace = LossWorkspace(maxRows: 10, hidden: 8)
        let full = Self.loss(net, .fullCrossEntropy, workspace, temperature: temperature)
        let sampled = Self.loss(net, .sampledSoftmax(negatives: 5), workspace, temperature: temperature)
        let c = 8, hidden = net.hidden.array, items = net.itemVectors.array
        func score(_ row: Int32, _ item: Int32) -> Double {
            (0..<c).reduce(0.0) { $0 + Double(hidden[Int(row) * c + $1]) * Double(items[Int(item) * c + $1]) }
        }
        func crossEntropy(_ logits: [Double], target: Int) -> Double {
            let m = logits.max()!
            return -(logits[target] - m - log(logits.reduce(0) { $0 + exp($1 - m) }))
        }
        let rows = Self.rows, tau = Double(temperature)
        var expectedFull = 0.0, expectedSampled = 0.0
        for (row, target) in zip(rows.rows, rows.targets) {
            expectedFull += crossEntropy((0..<Int32(Self.items)).map { score(row, $0) / tau }, target: Int(target))
            let logit = { (item: Int32) in (score(row, item) - Double(Self.logQ[Int(item)])) / tau }
            expectedSampled += crossEntropy([logit(target)] + Self.sampled.filter { $0 != target }.map(logit), target: 0)
        }
        #expect(abs(Double(full) - expectedFull / Double(rows.count)) < 1e-4)
        #expect(abs(Double(sampled) - expectedSampled / Double(rows.count)) < 1e-4)
    }

    /// Label smoothing ε against its definition: cross-entropy with the target distribution
    /// (1 − ε)·onehot + ε/V over the catalog, written out directly.
    @Test(arguments: [Float(0.1), 0.5])
    func labelSmoothingSpreadsTheTargetOverTheCatalog(_ epsilon: Float) {
        let net = Self.network(.text)
        let workspace = LossWorkspace(maxRows: 10, hidden: 8)
        let plain = Self.loss(net, .fullCrossEntropy, workspace)
        let smoothed = Self.loss(net, .fullCrossEntropy, workspace, labelSmoothing: epsilon)
        let c = 8, hidden = net.hidden.array, items = net.itemVectors.array, v = Self.items, eps = Double(epsilon)
        var expected = 0.0
        for (row, target) in zip(Self.rows.rows, Self.rows.targets) {
            let logits = (0..<v).map { item in (0..<c).reduce(0.0) { $0 + Double(hidden[Int(row) * c + $1]) * Double(items[item * c + $1]) } }
            let m = logits.max()!, logSum = m + log(logits.reduce(0) { $0 + exp($1 - m) })
            for item in 0..<v {
                let weight = (item == Int(target) ? 1 - eps : 0) + eps / Double(v)
                expected -= weight * (logits[item] - logSum)
            }
        }
        #expect(abs(Double(smoothed) - expected / Double(Self.rows.count)) < 1e-4)
        #expect(abs(smoothed - plain) > 1e-3, "smoothing changes the loss")
    }

    @Test func paddingDoesNotChangeRealPositions() {
        let net = Self.network(.text)
        var rng = RandomSource(seed: 1)
        net.encodeItems()
        net.forward(Self.sequences, batch: 2, training: false, rng: &rng)
        let first = Array(net.hidden.array[(5 * 8)..<(8 * 8)])
        var changed = Self.sequences
        changed[8] = 3  // an item where the second sequence had padding
        net.forward(changed, batch: 2, training: false, rng: &rng)
        #expect(Array(net.hidden.array[(5 * 8)..<(8 * 8)]) == first)
    }

    @Test func layoutCountsMatchTheArchitecture() {
        let net = Self.network(.id)
        let a = Self.architecture
        #expect(net.layout.count == a.transformerParameters + Self.items * a.hidden)
        #expect(net.layout.embeddingCount == Self.items * a.hidden)
    }
}
