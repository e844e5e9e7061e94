import Foundation
import Testing
@testable import SRTModel
import SRTTensor

/// The quirks of the RECE paper's loss family, each against a computation written out here.
@Suite struct LossFamilyTests {
    static let c = 8

    /// A network whose scored rows' user vectors and item vectors the tests read back.
    static func scored(_ kind: LossKind, items: Int = 7, rows: ScoredRows = NetworkGradientTests.rows,
                       population: Int = 0, seed: UInt64 = 42) -> (loss: Float, hidden: [Float], items: [Float], network: Network) {
        let net = NetworkGradientTests.network(.id)
        var rng = RandomSource(seed: 1)
        net.zeroGradients()
        net.encodeItems()
        net.forward(NetworkGradientTests.sequences, batch: 2, training: false, rng: &rng)
        net.hiddenGradient.zero()
        let loss = Loss.compute(kind, network: net, rows: rows, workspace: LossWorkspace(maxRows: 10, hidden: c),
                                inputs: LossInputs(population: population, seed: seed))
        return (loss, net.hidden.array, net.itemVectors.array, net)
    }

    static func dot(_ a: [Float], _ i: Int, _ b: [Float], _ j: Int) -> Double {
        (0..<c).reduce(0.0) { $0 + Double(a[i * c + $1]) * Double(b[j * c + $1]) }
    }

    static func softplus(_ x: Double) -> Double { max(x, 0) + log1p(exp(-abs(x))) }

    /// gBCE raises the positive's sigmoid to β = 1 − t·(1 − α), α = K/(V − 1): the loss is the
    /// reference's mean over 1 + K entries (doubled, see BinaryCrossEntropy) with β·softplus(−s⁺),
    /// every score shifted by log(β/K).
    @Test func generalizedBCEWeighsThePositiveByBeta() {
        #expect(abs(BinaryCrossEntropy.beta(negatives: 256, t: 0.75, population: 12_101) - (1 - 0.75 * (1 - 256.0 / 12_100))) < 1e-6)
        #expect(BinaryCrossEntropy.beta(negatives: 256, t: 0, population: 12_101) == 1, "t = 0 is plain BCE")
        #expect(BinaryCrossEntropy.scoreOffset(beta: 1, negatives: 1) == 0, "SASRec's bce is not shifted")
        let kind = LossKind.generalizedBinaryCrossEntropy(negatives: 2, t: 0.75)
        var rows = NetworkGradientTests.rows
        rows.negatives = rows.targets.flatMap { [($0 + 1) % 7, ($0 + 2) % 7] }
        let population = 50  // the catalog the negatives came from, not the 7 items scored here
        let (loss, hidden, items, _) = Self.scored(kind, rows: rows, population: population)
        let beta = 1 - 0.75 * (1 - 2.0 / Double(population - 1)), offset = log(beta / 2)
        var expected = 0.0
        for (i, (row, target)) in zip(rows.rows, rows.targets).enumerated() {
            var entries = beta * Self.softplus(-(Self.dot(hidden, Int(row), items, Int(target)) + offset))
            for j in 0..<2 { entries += Self.softplus(Self.dot(hidden, Int(row), items, Int(rows.negatives[i * 2 + j])) + offset) }
            expected += 2.0 / 3.0 * entries
        }
        #expect(abs(Double(loss) - expected / Double(rows.count)) < 1e-5, "\(loss) vs \(expected / Double(rows.count))")
        let plain = Self.scored(.binaryCrossEntropy(negatives: 2), rows: rows, population: population).loss
        #expect(abs(plain - loss) > 1e-3, "β changes the loss")
    }

    /// CE⁻: softmax over the target and the user's K negatives, no logQ.
    @Test func negativeCrossEntropyIsASoftmaxOverTheUsersNegatives() {
        var rows = NetworkGradientTests.rows
        rows.negatives = rows.rows.flatMap { $0 < 5 ? [0, 4] : [2, 3] as [Int32] }
        let (loss, hidden, items, _) = Self.scored(.negativeCrossEntropy(negatives: 2), rows: rows)
        var expected = 0.0
        for (i, (row, target)) in zip(rows.rows, rows.targets).enumerated() {
            let logits = [Self.dot(hidden, Int(row), items, Int(target))] + (0..<2).map { Self.dot(hidden, Int(row), items, Int(rows.negatives[i * 2 + $0])) }
            let m = logits.max()!
            expected += m + log(logits.reduce(0) { $0 + exp($1 - m) }) - logits[0]
        }
        #expect(abs(Double(loss) - expected / Double(rows.count)) < 1e-5)
    }

    /// Windows that span every chunk make each row's candidates the whole catalog: RECE is then full
    /// CE, however often each item recurs across the rounds (duplicate correction).
    @Test func receWithWindowsOverTheWholeCatalogIsFullCrossEntropy() {
        let full = Self.scored(.fullCrossEntropy).loss
        let rece = Self.scored(.reducedCrossEntropy(RECEOptions(buckets: 3, extra: 2, rounds: 4))).loss
        #expect(abs(full - rece) < 1e-5, "full CE \(full), RECE \(rece)")
    }

    /// The candidate sets written out from the plan's projections: each round's item and row buckets
    /// by argmax, items sorted by bucket and cut into chunks, the row's window around its bucket's
    /// middle. The loss is CE over the union (an item met in several windows counts once) with the
    /// target masked from it and added back exactly.
    @Test(arguments: [RECEOptions(buckets: 4, extra: 0, rounds: 3), RECEOptions(buckets: 5, extra: 1, rounds: 2),
                      RECEOptions(extra: 0, rounds: 6)])
    func receScoresEachCandidateOnceOverItsWindows(_ options: RECEOptions) {
        let kind = LossKind.reducedCrossEntropy(options)
        let rows = NetworkGradientTests.rows
        let (loss, hidden, items, net) = Self.scored(kind, seed: 9)
        let plan = kind.function.prepare(network: net, inputs: LossInputs(seed: 9), batchRows: rows.count) as! RECEPlan
        let v = 7, buckets = options.bucketCount(items: v, rows: rows.count), chunk = (v + buckets - 1) / buckets
        func bucket(_ vectors: [Float], _ i: Int, round: Int) -> Int {
            let scores = (0..<buckets).map { b in (0..<Self.c).reduce(Float(0)) { $0 + plan.projections[(round * buckets + b) * Self.c + $1] * vectors[i * Self.c + $1] } }
            return scores.firstIndex(of: scores.max()!)!
        }
        var expected = 0.0, repeats = 0
        for (row, target) in zip(rows.rows, rows.targets) {
            var union = Set<Int>(), occurrences = 0
            for round in 0..<options.rounds {
                let order = (0..<v).sorted { (bucket(items, $0, round: round), $0) < (bucket(items, $1, round: round), $1) }
                let b = bucket(hidden, Int(row), round: round)
                let inBucket = order.indices.filter { bucket(items, order[$0], round: round) == b }
                let start = inBucket.first ?? order.firstIndex { bucket(items, $0, round: round) > b } ?? v
                let center = min((start + (start + inBucket.count)) / 2, v - 1) / chunk
                let chunks = (v + chunk - 1) / chunk
                let window = order[(max(center - options.extra, 0) * chunk)..<min((min(center + options.extra, chunks - 1) + 1) * chunk, v)]
                occurrences += window.filter { $0 != Int(target) }.count
                union.formUnion(window.filter { $0 != Int(target) })
            }
            repeats += occurrences - union.count
            let logits = [Self.dot(hidden, Int(row), items, Int(target))] + union.sorted().map { Self.dot(hidden, Int(row), items, $0) }
            let m = logits.max()!
            expected += m + log(logits.reduce(0) { $0 + exp($1 - m) }) - logits[0]
        }
        #expect(abs(Double(loss) - expected / Double(rows.count)) < 1e-5, "RECE \(loss), written out \(expected / Double(rows.count))")
        if options.rounds > 2 { #expect(repeats > 0, "some candidate recurs across rounds, so the correction is exercised") }
    }
}
