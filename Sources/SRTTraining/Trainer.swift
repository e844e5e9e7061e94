import Foundation
import SRTData
import SRTModel
import SRTTensor

/// Trains a network on a split: every position of each window scored in one pass, Adam with
/// one-cycle learning rate and global-norm clipping, validation NDCG@10 (history masked) after
/// every epoch, early stopping, and the best weights kept.
public final class Trainer {
    public let network: Network
    public let options: TrainingOptions
    let split: DatasetSplit
    let windows: [TrainingWindow]
    /// The single-worker path's loss buffers (not allocated when batches are split across workers).
    lazy var workspace = LossWorkspace(maxRows: network.maxBatch * network.shape.architecture.maxLength,
                                       hidden: network.shape.architecture.hidden)
    /// With more than one thread: each batch is split across that many workers (see ShardedGradients;
    /// the caller keeps OpenBLAS at one thread).
    let sharded: ShardedGradients?
    let m, v: FloatBuffer  // Adam moments
    let best: FloatBuffer
    /// The moving average of the weights that validation sees, when options.averageEpochs is set.
    private(set) var average: WeightAverage?
    /// Per-item log sampling probability for the sampled softmax (popularity + 1, as the reference;
    /// within the item's own catalog when negatives come from the batch's catalog).
    let logQ: [Float]
    let popular: NegativeSampler
    /// Negatives from the batch's own catalog: each catalog's items and popularity sampler.
    let catalogSamplers: [(items: Range<Int>, sampler: NegativeSampler)]
    /// Windows cut into batches together: all of them, or one group per catalog.
    let batchGroups: [[Int]]
    /// Per window, its catalog (index into `catalogSamplers`), when negatives come from the batch's catalog.
    let windowCatalog: [Int]
    /// Per user: the training items, sorted (negatives drawn from unseen items avoid them).
    let seen: [Int32: [Int32]]
    /// The loss's implementation (its negatives policy, whether it scores the whole catalog).
    let loss: any TrainingLoss
    /// A loss that scores the catalog, with negatives from the batch's catalog: per catalog, its
    /// items as the step's encoded subset (the same every step, so built once).
    let catalogSubsets: [StepItems]

    public private(set) var history: [EpochSummary] = []
    public private(set) var seenInteractions = 0
    /// The matrix-product FLOPs of every step run so far (`StepAccounting`), forward and backward.
    public private(set) var flopsSpent = 0.0
    public private(set) var bestEpoch = 0
    public private(set) var bestValidation = -1.0
    /// Why the run stopped early on a non-finite loss (nil: it did not); the best weights are kept.
    public private(set) var diverged: String?

    /// Parameters the optimizer updates (all when nil); the rest stay bit-identical.
    public let trainable: [Range<Int>]?
    let frozen: [Range<Int>]
    public let ewc: ElasticWeightConsolidation?
    /// Validation NDCG@10 of the starting weights: an epoch must beat it to replace them
    /// (fine-tuning stages carry the best weights so far).
    public var startingValidation: Double?

    /// Where a run stands at the end of an epoch: enough, with `snapshot`, to continue it exactly.
    public struct ResumeState: Codable, Sendable {
        public var epoch = 0
        public var step = 0
        public var sinceBest = 0
        public var bestEpoch = 0
        public var bestValidation = -1.0
        public var seenInteractions = 0
        public var history: [EpochSummary] = []
        public var random: [UInt32] = []
        /// Steps folded into the weight average (absent when the run keeps none).
        public var averageUpdates: Int?
        /// `flopsSpent` at the end of the epoch (absent in states written before it was kept).
        public var flops: Double?
    }

    /// The state and weights/moments at the end of the last completed epoch.
    public private(set) var resumeState = ResumeState()
    public let snapshot: (params: FloatBuffer, m: FloatBuffer, v: FloatBuffer)
    /// The weight average at the end of the last completed epoch (when the run keeps one).
    public private(set) var snapshotAverage: FloatBuffer?

    public init(network: Network, split: DatasetSplit, options: TrainingOptions, trainable: [Range<Int>]? = nil,
                ewc: ElasticWeightConsolidation? = nil) {
        self.network = network
        self.trainable = trainable
        self.ewc = ewc
        var frozen: [Range<Int>] = []
        var next = 0
        for range in trainable ?? [0..<network.params.count] {
            if range.lowerBound > next { frozen.append(next..<range.lowerBound) }
            next = range.upperBound
        }
        if next < network.params.count { frozen.append(next..<network.params.count) }
        self.frozen = frozen
        self.options = options
        self.split = split
        let T = network.shape.architecture.maxLength
        windows = TrainingWindows.make(sequences: split.train, users: split.trainUsers, maxLength: T, stride: options.windowStride)
        sharded = options.threads > 1 ? ShardedGradients(network: network, shards: options.threads) : nil
        m = FloatBuffer(count: network.params.count)
        v = FloatBuffer(count: network.params.count)
        best = FloatBuffer(count: network.params.count)
        snapshot = (FloatBuffer(count: network.params.count), FloatBuffer(count: network.params.count), FloatBuffer(count: network.params.count))
        let counts = split.popularity.map { Double($0 + 1) }
        popular = NegativeSampler(popularity: split.popularity)
        if options.negatives == .catalog && !split.catalogs.isEmpty {
            var logQ = [Float](repeating: 0, count: counts.count)
            catalogSamplers = split.catalogs.map { part in
                let total = counts[part.items].reduce(0, +)
                for i in part.items { logQ[i] = Float(log(counts[i] / total)) }
                return (part.items, NegativeSampler(popularity: Array(split.popularity[part.items])))
            }
            self.logQ = logQ
            windowCatalog = windows.map { window in split.catalogs.firstIndex { $0.users.contains(Int(window.user)) }! }
            var groups = [[Int]](repeating: [], count: split.catalogs.count)
            for (w, catalog) in windowCatalog.enumerated() { groups[catalog].append(w) }
            batchGroups = groups
        } else {
            let total = counts.reduce(0, +)
            logQ = counts.map { Float(log($0 / total)) }
            catalogSamplers = []
            windowCatalog = []
            batchGroups = [Array(windows.indices)]
        }
        var seen: [Int32: [Int32]] = [:]
        loss = options.loss.function
        if loss.negatives.avoidsSeenItems {
            for (sequence, user) in zip(split.train, split.trainUsers) { seen[user] = Array(Set(sequence)).sorted() }
        }
        self.seen = seen
        catalogSubsets = loss.scoresWholeCatalog
            ? catalogSamplers.map { StepItems(touching: [$0.items.map(Int32.init)], catalogItems: network.catalogItems) } : []
    }

    public var stepsPerEpoch: Int {
        let bucket = options.batch * 32
        return batchGroups.reduce(0) { steps, group in
            stride(from: 0, to: group.count, by: bucket).reduce(steps) { total, start in
                total + (min(bucket, group.count - start) + options.batch - 1) / options.batch
            }
        }
    }

    /// Runs up to `options.epochs` epochs; returns when done, when patience runs out, or when
    /// `progress` answers `.stop` (then the best weights so far are in place).
    public func run(resumingFrom resume: (state: ResumeState, best: [Float], m: [Float], v: [Float], average: [Float]?)? = nil,
                    progress: (TrainingEvent) -> TrainingControl) {
        var rng = RandomSource(seed: options.seed)
        let started = Date()
        let schedule = OneCycle(maxRate: options.learningRate, totalSteps: stepsPerEpoch * options.epochs)
        var step = 0
        var sinceBest = 0
        var firstEpoch = 1
        let validation = CatalogEvaluation.validationCases(split, limit: options.validationCases)
        best.copy(from: network.params)
        if let epochs = options.averageEpochs, epochs > 0 {
            average = WeightAverage(of: network.params, horizonSteps: epochs * Double(stepsPerEpoch))
            snapshotAverage = FloatBuffer(count: network.params.count)
        }
        if let startingValidation { bestValidation = startingValidation }
        if let resume {
            // network.params holds the weights at the end of the last completed epoch.
            let s = resume.state
            (step, sinceBest, firstEpoch) = (s.step, s.sinceBest, s.epoch + 1)
            (bestEpoch, bestValidation, seenInteractions, history) = (s.bestEpoch, s.bestValidation, s.seenInteractions, s.history)
            flopsSpent = s.flops ?? 0
            rng.state = s.random
            resume.best.withUnsafeBufferPointer { best.pointer.update(from: $0.baseAddress!, count: best.count) }
            resume.m.withUnsafeBufferPointer { m.pointer.update(from: $0.baseAddress!, count: m.count) }
            resume.v.withUnsafeBufferPointer { v.pointer.update(from: $0.baseAddress!, count: v.count) }
            if let saved = resume.average { average?.restore(saved, updates: s.averageUpdates ?? 0) }
            resumeState = s
            saveSnapshot()
        }
        epochs: for epoch in firstEpoch...max(firstEpoch, options.epochs) where epoch <= options.epochs {
            let batches = makeBatches(&rng)
            let start = Date()
            var lossSum = 0.0, targets = 0
            for (batchNumber, batch) in batches.enumerated() {
                let stepStart = Date()
                let (sequences, length, rows) = assemble(batch, rng: &rng)
                let learningRate = options.schedule == "constant" ? options.learningRate : schedule.rate(at: step)
                let loss = trainStep(sequences, batch: batch.count, length: length, rows: rows, negativesFrom: negativeCatalog(of: batch),
                                     rate: learningRate, step: step + 1, rng: &rng)
                guard loss.isFinite else {
                    // A NaN epoch must never win model selection, nor its weights be written.
                    diverged = "the training loss became \(loss) at epoch \(epoch), step \(batchNumber + 1): training stopped and keeps its best weights so far"
                        + (bestEpoch > 0 ? " (epoch \(bestEpoch))" : " (the starting weights)") + "; try a lower --lr"
                    _ = progress(.note(diverged!))
                    break epochs
                }
                step += 1
                lossSum += Double(loss) * Double(rows.count)
                targets += rows.count
                seenInteractions += rows.count
                let rate = Double(rows.count) / max(Date().timeIntervalSince(stepStart), 1e-9)
                if progress(.step(epoch: epoch, step: batchNumber + 1, stepsPerEpoch: stepsPerEpoch, loss: loss, targetsPerSecond: rate)) == .stop {
                    break epochs
                }
            }
            let evaluate = { CatalogEvaluation.evaluate(self.network, cases: validation, catalogs: self.split.catalogs, ks: [10]) }
            let results = average.map { $0.withAverage(in: network.params, evaluate) } ?? evaluate()
            let result = results.overall
            let masked = result.masked["ndcg@10"] ?? 0, unmasked = result.unmasked["ndcg@10"] ?? 0
            let score = options.selectionScore(masked: masked, unmasked: unmasked)
            let improved = score > bestValidation
            if improved {
                bestValidation = score
                bestEpoch = epoch
                best.copy(from: average?.values ?? network.params)
                sinceBest = 0
            } else {
                sinceBest += 1
            }
            let summary = EpochSummary(epoch: epoch, trainLoss: lossSum / Double(max(targets, 1)), validationNDCG10: masked,
                                       validationUnmaskedNDCG10: unmasked, best: improved, seconds: Date().timeIntervalSince(start), targets: targets,
                                       penalty: ewc?.penalty(network.params.pointer),
                                       validationByCatalog: results.byCatalog.isEmpty ? nil
                                           : Dictionary(uniqueKeysWithValues: results.byCatalog.map { ($0.name, $0.result.masked["ndcg@10"] ?? 0) }))
            history.append(summary)
            resumeState = ResumeState(epoch: epoch, step: step, sinceBest: sinceBest, bestEpoch: bestEpoch, bestValidation: bestValidation,
                                      seenInteractions: seenInteractions, history: history, random: rng.state,
                                      averageUpdates: average?.updates, flops: flopsSpent)
            saveSnapshot()
            if progress(.epoch(summary)) == .stop { break }
            if let budget = options.maxSeconds, Date().timeIntervalSince(started) >= budget {
                budgetReached = true
                _ = progress(.note("the time budget (\(Int(budget)) s) is spent: stopping after epoch \(epoch)"))
                break
            }
            if sinceBest >= options.patience && epoch > warmupEpochs {
                _ = progress(.note("no better validation NDCG@10 for \(options.patience) epochs: stopping after epoch \(epoch)"))
                break
            }
        }
        network.params.copy(from: best)
    }

    /// Goes on with a run that `progress` stopped at an epoch's end, exactly as it would have gone
    /// without the stop (the state `srthub train --resume` reads, held in memory).
    public func proceed(progress: (TrainingEvent) -> TrainingControl) {
        let saved = (state: resumeState, best: best.array, m: snapshot.m.array, v: snapshot.v.array, average: snapshotAverage?.array)
        network.params.copy(from: snapshot.params)
        run(resumingFrom: saved, progress: progress)
    }

    /// Epochs of the one-cycle warm-up, when the rate is still rising and validation scores dip
    /// and recover: early stopping waits for them to end, since a stop inside the warm-up keeps weights
    /// far from what the run would reach.
    var warmupEpochs: Int {
        options.schedule == "constant" ? 0 : Int((Float(options.epochs) * OneCycle.defaultWarmup).rounded(.up))
    }

    func saveSnapshot() {
        snapshot.params.copy(from: network.params)
        snapshot.m.copy(from: m)
        snapshot.v.copy(from: v)
        if let average { snapshotAverage?.copy(from: average.values) }
    }

    /// Whether the run ended before its last epoch (stopped, not by early stopping or completion).
    public var isResumable: Bool {
        diverged == nil && !budgetReached && resumeState.epoch < options.epochs && resumeState.sinceBest < options.patience
    }

    /// Whether the run ended on its time budget (`options.maxSeconds`): complete, not resumable.
    public private(set) var budgetReached = false

    /// Batches for one epoch: a fresh permutation (so a resumed run repeats it), cut into buckets
    /// of 32 batches whose windows are sorted by length, so each batch runs at about its own length
    /// instead of always at the maximum; the batch order is then shuffled.
    /// With negatives from each batch's own catalog, each catalog's windows are cut into batches
    /// on their own first.
    func makeBatches(_ rng: inout RandomSource) -> [[Int]] {
        var batches: [[Int]] = []
        let bucket = options.batch * 32
        for group in batchGroups {
            var order = group
            order.shuffle(using: &rng)
            for bucketStart in stride(from: 0, to: order.count, by: bucket) {
                let sorted = order[bucketStart..<min(bucketStart + bucket, order.count)].sorted { windows[$0].items.count < windows[$1].items.count }
                for batchStart in stride(from: 0, to: sorted.count, by: options.batch) {
                    batches.append(Array(sorted[batchStart..<min(batchStart + options.batch, sorted.count)]))
                }
            }
        }
        batches.shuffle(using: &rng)
        return batches
    }

    /// The catalog (index into `catalogSamplers`) whose items a batch's negatives come from; nil: the union.
    func negativeCatalog(of batch: [Int]) -> Int? {
        guard !windowCatalog.isEmpty, let first = batch.first else { return nil }
        return windowCatalog[first]
    }

    /// The items a batch's negatives are drawn from, or that a whole-catalog loss scores: the
    /// batch's own catalog, or the whole union.
    func negativePool(_ catalog: Int?) -> Range<Int> {
        catalog.map { catalogSamplers[$0].items } ?? 0..<network.catalogItems
    }

    /// Item sequences [batch·length] (length = the longest input in the batch) and the rows to score.
    func assemble(_ batch: [Int], rng: inout RandomSource) -> ([Int32], Int, ScoredRows) {
        let length = batch.map { windows[$0].items.count - 1 }.max() ?? 1
        let pool = negativePool(negativeCatalog(of: batch))
        var sequences = [Int32](repeating: -1, count: batch.count * length)
        var rows = ScoredRows()
        for (b, w) in batch.enumerated() {
            let items = Array(windows[w].items)
            var userNegatives: [Int32] = []
            if case .unseenPerUser(let k) = loss.negatives { userNegatives = sampleUnseen(windows[w].user, count: k, from: pool, &rng) }
            for t in 0..<(items.count - 1) {
                sequences[b * length + t] = items[t]
                guard t + 1 >= windows[w].firstTarget else { continue }  // context only
                rows.rows.append(Int32(b * length + t))
                rows.targets.append(items[t + 1])
                switch loss.negatives {
                case .unseenPerPosition(let k): rows.negatives += sampleUnseen(windows[w].user, count: k, from: pool, &rng)
                case .uniformPerPosition(let k): rows.negatives += (0..<k).map { _ in Int32(pool.lowerBound + rng.nextInt(pool.count)) }
                case .unseenPerUser: rows.negatives += userNegatives
                case .none, .sharedPopularity: break
                }
            }
        }
        return (sequences, length, rows)
    }

    /// One optimizer step on one batch; returns the mean loss over its scored positions.
    func trainStep(_ sequences: [Int32], batch: Int, length: Int, rows: ScoredRows, negativesFrom catalog: Int?, rate: Float, step: Int,
                   rng: inout RandomSource) -> Float {
        let (loss, encodedItems) = lossAndGradients(sequences, batch: batch, length: length, rows: rows, negativesFrom: catalog, training: true, rng: &rng)
        flopsSpent += StepAccounting.trainingFLOPs(network.shape, batch: batch, length: length, rows: rows.count,
                                                   encodedItems: encodedItems, loss: options.loss)
        let ranges = trainable ?? [0..<network.params.count]
        ewc?.addGradient(network.params.pointer, into: network.grads.pointer, ranges: ranges)
        for range in frozen { (network.grads.pointer + range.lowerBound).update(repeating: 0, count: range.count) }  // clip only what trains
        clipGradients()
        let settings = AdamSettings(weightDecay: options.weightDecay, decoupledWeightDecay: options.decoupledWeightDecay ?? 0)
        for range in ranges {
            let o = range.lowerBound
            adamStep(params: network.params.pointer + o, grads: network.grads.pointer + o, m: m.pointer + o, v: v.pointer + o,
                     count: range.count, lr: rate, step: step, settings: settings, workers: options.threads)
        }
        average?.update(from: network.params)
        return loss
    }

    /// The mean loss over `rows` and its gradient in `network.grads`, on one worker or split across
    /// several, and how many items the step encoded (the catalog, or the step's touched items).
    /// Sampled losses encode only the items the step touches (see `StepItems`); a loss that scores
    /// the catalog (full CE, RECE) needs all of it: the whole union, or with negatives from the
    /// batch's catalog only that catalog, whose items are the only ones its users could choose.
    func lossAndGradients(_ sequences: [Int32], batch: Int, length: Int, rows: ScoredRows, negativesFrom catalog: Int? = nil, training: Bool,
                          rng: inout RandomSource) -> (loss: Float, encodedItems: Int) {
        var negatives = sampledNegatives(from: catalog, &rng), sequences = sequences, rows = rows, logQ = logQ
        var subset: [Int32]?
        // A batch's sequences and targets lie in its catalog (a sequence never crosses catalogs).
        let step = !loss.scoresWholeCatalog
            ? StepItems(touching: [sequences, rows.targets, rows.negatives, negatives], catalogItems: network.catalogItems)
            : catalog.map { catalogSubsets[$0] }
        if let step {
            step.renumber(&sequences)
            step.renumber(&rows.targets)
            step.renumber(&rows.negatives)
            step.renumber(&negatives)
            logQ = step.items.map { self.logQ[Int($0)] }
            subset = step.items
        }
        // RECE draws its projections inside the loss, from a seed of the step's (other losses draw nothing there).
        let inputs = LossInputs(sharedNegatives: negatives, logQ: logQ, temperature: options.lossTemperature,
                                labelSmoothing: options.lossLabelSmoothing, population: negativePool(catalog).count,
                                seed: loss.drawsInside ? rng.next() : 0)
        let encodedItems = subset?.count ?? network.catalogItems
        // Drawn only when pieces drop, so a run without it keeps its random stream.
        var dropout: TokenDropout?
        if training, let p = options.tokenDropout, p > 0 { dropout = TokenDropout(probability: p, seed: rng.next()) }
        if let sharded {
            return (sharded.lossAndGradients(options.loss, sequences: sequences, batch: batch, length: length, rows: rows,
                                            inputs: inputs, training: training, itemSubset: subset, tokenDropout: dropout, rng: &rng), encodedItems)
        }
        return (network.lossAndGradients(options.loss, sequences: sequences, batch: batch, length: length, rows: rows,
                                        workspace: workspace, inputs: inputs, training: training, itemSubset: subset, tokenDropout: dropout,
                                        rng: &rng), encodedItems)
    }

    /// Scales the gradients so their global L2 norm is at most `maxGradientNorm`.
    func clipGradients() {
        guard options.maxGradientNorm > 0 else { return }
        let grads = network.grads.pointer
        let norm = Float(sumOfSquares(grads, count: network.grads.count, workers: options.threads).squareRoot())
        guard norm > options.maxGradientNorm else { return }
        let scale = options.maxGradientNorm / norm
        forEachRange(count: network.grads.count, workers: options.threads) { part in
            for i in part { grads[i] *= scale }
        }
    }

    /// The K popularity-sampled negatives a sampled-softmax step shares; none for other losses.
    func sampledNegatives(from catalog: Int? = nil, _ rng: inout RandomSource) -> [Int32] {
        guard case .sharedPopularity(let k) = loss.negatives else { return [] }
        if let catalog {
            let (items, sampler) = catalogSamplers[catalog]
            return (0..<k).map { _ in Int32(items.lowerBound) + sampler.draw(.popularity, count: items.count, &rng) }
        }
        return (0..<k).map { _ in samplePopular(&rng) }
    }

    func samplePopular(_ rng: inout RandomSource) -> Int32 {
        popular.draw(.popularity, count: network.catalogItems, &rng)
    }

    /// `count` distinct uniform items the user has not interacted with in training (the loss's
    /// check has made sure the user has that many).
    func sampleUnseen(_ user: Int32, count: Int, from pool: Range<Int>, _ rng: inout RandomSource) -> [Int32] {
        if count == 1 { return [sampleUnseen(user, from: pool, &rng)] }
        var drawn: [Int32] = [], taken = Set<Int32>()
        while drawn.count < count {
            let candidate = sampleUnseen(user, from: pool, &rng)
            if taken.insert(candidate).inserted { drawn.append(candidate) }
        }
        return drawn
    }

    /// A uniform item of `pool` the user has not interacted with in training (SASRec's BCE negative).
    func sampleUnseen(_ user: Int32, from pool: Range<Int>, _ rng: inout RandomSource) -> Int32 {
        let avoid = seen[user] ?? []
        for _ in 0..<100 {
            let candidate = Int32(pool.lowerBound + rng.nextInt(pool.count))
            if !binarySearch(avoid, candidate) { return candidate }
        }
        return Int32(pool.lowerBound + rng.nextInt(pool.count))
    }

    func binarySearch(_ sorted: [Int32], _ x: Int32) -> Bool {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < x { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == x
    }
}
