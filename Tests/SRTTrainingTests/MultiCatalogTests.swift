import Foundation
import Testing
import SRTData
import SRTModel
import SRTTensor
@testable import SRTTraining

/// Training on several catalogs at once, and fine-tuning onto a catalog whose text columns differ.
@Suite struct MultiCatalogTests {
    /// A catalog folder NAME with `users` cycle-like users over `items` items whose ids ("i0", …)
    /// collide across catalogs on purpose; `header` names the item file's text columns.
    static func catalog(_ name: String, items: Int = 30, users: Int = 50, header: [String] = ["title", "color"],
                        words: String = "thing", withItemFile: Bool = true) -> String {
        let path = NSTemporaryDirectory() + "srthub-multi-" + UUID().uuidString + "/" + name
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var inter = "user_id:token\titem_id:token\n"
        for u in 0..<users {
            for t in 0..<(5 + u % 6) { inter += "u\(u)\ti\((u * 3 + t) % items)\n" }
        }
        try! inter.write(toFile: path + "/\(name).inter", atomically: true, encoding: .utf8)
        if withItemFile {
            var item = "item_id:token\t" + header.map { "\($0):token_seq" }.joined(separator: "\t") + "\n"
            for i in 0..<items { item += "i\(i)\t\(words) \(i)" + String(repeating: "\t\(["red", "blue"][i % 2])", count: header.count - 1) + "\n" }
            try! item.write(toFile: path + "/\(name).item", atomically: true, encoding: .utf8)
        }
        return path
    }

    @Test func theUnionKeepsCatalogsApart() throws {
        let a = try DatasetLoader.load(Self.catalog("alpha", items: 30)), b = try DatasetLoader.load(Self.catalog("beta", items: 20))
        let union = try Dataset.union([a, b], name: "ab")
        #expect(union.itemCount == 50 && union.userCount == a.userCount + b.userCount)
        #expect(union.itemIDs.first == "alpha/i0" && union.itemIDs.contains("beta/i0"))
        #expect(union.catalogs.map(\.name) == ["alpha", "beta"])
        #expect(union.catalogs.map(\.fingerprint) == [a.fingerprint(), b.fingerprint()])
        for part in union.catalogs {
            for u in part.users { #expect(union.sequences[u].allSatisfy { part.items.contains(Int($0)) }, "a sequence crosses catalogs") }
        }
        #expect(union.fingerprint() != a.fingerprint())
    }

    @Test func badCorporaAreRefusedWithTheCatalogNamed() throws {
        let first = Self.catalog("shop"), second = Self.catalog("shop")
        #expect(throws: DataError.self) { try DatasetLoader.load([first, second]) }
        do { _ = try DatasetLoader.load([first, second]) } catch { #expect("\(error)".contains("'shop'") && "\(error)".contains("hint")) }
        do { _ = try DatasetLoader.load([first, first + "/."]) } catch { #expect("\(error)".contains("given twice")) }

        let folder = NSTemporaryDirectory() + "srthub-corpus-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try #"{"name": "c", "catalogs": ["missing-shop"]}"#.write(toFile: folder + "/c.json", atomically: true, encoding: .utf8)
        do { _ = try CorpusFile.read(path: folder + "/c.json"); Issue.record("a missing catalog was accepted") } catch {
            #expect("\(error)".contains("missing-shop"))
        }
        try "{\"name\": \"c\", \"catalogs\": [\"\(first)\"]}".write(toFile: folder + "/ok.json", atomically: true, encoding: .utf8)
        #expect(try CorpusFile.read(path: folder + "/ok.json").paths == [first])

        // A text model refuses a catalog without any text, naming it, before training.
        var request = Synthetic.request(encoder: .text, epochs: 1)
        request.dataPaths = [Self.catalog("texty"), Self.catalog("bare", withItemFile: false)]
        request.load.allowMissingText = true
        do { _ = try TrainingRun.run(request) { _ in .proceed }; Issue.record("a catalog without text was accepted") } catch {
            #expect("\(error)".contains("catalog bare has no item text"))
        }
        #expect(throws: TrainingError.self) { try TrainingRun.checkLoss(.fullCrossEntropy, trainSequences: [], items: TrainingRun.fullCrossEntropyItemLimit + 1) }
        #expect(throws: Never.self) { try TrainingRun.checkLoss(.sampledSoftmax(negatives: 10), trainSequences: [], items: 2_000_000) }
        // With negatives from each batch's catalog, full CE scores the largest catalog and a loss's
        // options must fit the smallest.
        let limit = TrainingRun.fullCrossEntropyItemLimit
        #expect(throws: Never.self) {
            try TrainingRun.checkLoss(.fullCrossEntropy, trainSequences: [], items: limit + 2, catalogs: [0..<(limit / 2), (limit / 2)..<(limit + 2)])
        }
        #expect(throws: TrainingError.self) { try TrainingRun.checkLoss(.fullCrossEntropy, trainSequences: [], items: limit + 2, catalogs: [0..<1, 1..<(limit + 2)]) }
        #expect(throws: Never.self) { try TrainingRun.checkLoss(.generalizedBinaryCrossEntropy(negatives: 25, t: 0.75), trainSequences: [], items: 50) }
        #expect(throws: TrainingError.self) {
            try TrainingRun.checkLoss(.generalizedBinaryCrossEntropy(negatives: 25, t: 0.75), trainSequences: [], items: 50, catalogs: [0..<20, 20..<50])
        }
    }

    @Test func trainingOnTwoCatalogsValidatesAndRecordsEach() throws {
        var request = Synthetic.request(encoder: .text, loss: .sampledSoftmax(negatives: 6), epochs: 3)
        request.dataPaths = [Self.catalog("alpha", items: 30), Self.catalog("beta", items: 20, words: "gizmo")]
        var epochs: [EpochSummary] = []
        let report = try TrainingRun.run(request) { event in
            if case .epoch(let e) = event { epochs.append(e) }
            return .proceed
        }
        #expect(epochs.count == 3)
        #expect(epochs.allSatisfy { Set(($0.validationByCatalog ?? [:]).keys) == ["alpha", "beta"] })
        let config = try Checkpoint.load(from: report.checkpoint).config
        #expect(config.dataset == "alpha+beta")
        #expect(config.catalogs?.map(\.name) == ["alpha", "beta"])
        let alpha = try DatasetLoader.load(request.dataPaths[0])
        #expect(config.catalogs?.first?.fingerprint == alpha.fingerprint())
        #expect(report.test.cases == 100)  // every user of both catalogs has at least 3 items
    }

    @Test func catalogNegativesComeFromTheBatchsOwnCatalog() throws {
        let union = try DatasetLoader.load([Self.catalog("alpha", items: 30), Self.catalog("beta", items: 20)])
        let split = try union.split(.leaveOneOut)
        let shape = ModelShape(architecture: Architecture(name: "t", layers: 1, heads: 1, hidden: 8, inner: 8, maxLength: 8),
                               itemEncoder: ItemEncoderConfig(kind: .id), items: union.itemCount)
        var options = TrainingOptions()
        options.loss = .sampledSoftmax(negatives: 40)
        options.batch = 8
        options.negatives = .catalog
        let trainer = Trainer(network: Network(shape: shape, maxBatch: 8), split: split, options: options)
        var rng = RandomSource(seed: 5)
        let batches = trainer.makeBatches(&rng)
        #expect(batches.count == trainer.stepsPerEpoch)
        #expect(Set(batches.flatMap { $0 }).count == trainer.windows.count)
        var seen = Set<Int>()
        for batch in batches {
            guard let catalog = trainer.negativeCatalog(of: batch) else { Issue.record("a batch without a catalog"); continue }
            seen.insert(catalog)
            let items = split.catalogs[catalog].items
            #expect(batch.allSatisfy { split.catalogs[catalog].users.contains(Int(trainer.windows[$0].user)) }, "a batch mixes catalogs")
            #expect(trainer.sampledNegatives(from: catalog, &rng).allSatisfy { items.contains(Int($0)) })
        }
        #expect(seen == [0, 1])
        // logQ is normalized within each catalog: each catalog's probabilities sum to 1.
        func probability(_ trainer: Trainer, _ items: [Int]) -> Double { items.reduce(0.0) { $0 + exp(Double(trainer.logQ[$1])) } }
        for part in split.catalogs {
            #expect(abs(probability(trainer, Array(part.items)) - 1) < 1e-4)
        }
        // The union's own way: one shared pool, batches free to mix.
        options.negatives = nil
        let mixed = Trainer(network: Network(shape: shape, maxBatch: 8), split: split, options: options)
        #expect(mixed.negativeCatalog(of: [0]) == nil)
        let everyItem = split.catalogs.flatMap { Array($0.items) }
        #expect(abs(probability(mixed, everyItem) - 1) < 1e-4)
    }

    /// With negatives from the batch's catalog every loss stays inside it: per-position draws come
    /// from its items, and a loss that scores the catalog (full CE, RECE) scores its items only.
    @Test func everyLossDrawsAndScoresOnlyTheBatchsCatalog() throws {
        let union = try DatasetLoader.load([Self.catalog("alpha", items: 30), Self.catalog("beta", items: 20)])
        let split = try union.split(.leaveOneOut)
        let shape = ModelShape(architecture: Architecture(name: "t", layers: 1, heads: 1, hidden: 8, inner: 8, maxLength: 8),
                               itemEncoder: ItemEncoderConfig(kind: .id), items: union.itemCount)
        func trainer(_ loss: LossKind, _ negatives: NegativeSource?, threads: Int = 1) -> Trainer {
            var options = TrainingOptions()
            options.loss = loss
            options.batch = 8
            options.negatives = negatives
            options.threads = threads
            let network = Network(shape: shape, maxBatch: 8)
            network.initialize(seed: 3)
            return Trainer(network: network, split: split, options: options)
        }
        for loss in [LossKind.binaryCrossEntropy(negatives: 3), .generalizedBinaryCrossEntropy(negatives: 5, t: 0.75), .negativeCrossEntropy(negatives: 3)] {
            let t = trainer(loss, .catalog)
            var rng = RandomSource(seed: 9)
            for batch in t.makeBatches(&rng) {
                let items = split.catalogs[t.negativeCatalog(of: batch)!].items
                let (_, _, rows) = t.assemble(batch, rng: &rng)
                #expect(!rows.negatives.isEmpty && rows.negatives.allSatisfy { items.contains(Int($0)) }, "\(loss) drew outside the batch's catalog")
            }
        }
        // The union's way draws from both catalogs (so the check above can fail).
        let mixed = trainer(.binaryCrossEntropy(negatives: 3), nil)
        var mixedRng = RandomSource(seed: 9)
        let drawn = mixed.makeBatches(&mixedRng).flatMap { mixed.assemble($0, rng: &mixedRng).2.negatives }
        #expect(split.catalogs.allSatisfy { part in drawn.contains { part.items.contains(Int($0)) } })

        for loss in [LossKind.fullCrossEntropy, .reducedCrossEntropy(RECEOptions(buckets: 4, extra: 1, rounds: 2))] {
            let t = trainer(loss, .catalog), network = t.network
            var rng = RandomSource(seed: 4)
            let batch = t.makeBatches(&rng).first { t.negativeCatalog(of: $0) == 1 }!
            let items = split.catalogs[1].items
            let (sequences, length, rows) = t.assemble(batch, rng: &rng)
            network.zeroGradients()
            let (loss, encoded) = t.lossAndGradients(sequences, batch: batch.count, length: length, rows: rows, negativesFrom: 1,
                                                     training: false, rng: &rng)
            #expect(encoded == items.count)
            // Only the batch's catalog rows of the item table get gradient.
            let table = network.gradient("item_encoder.item_embedding.weight"), c = shape.architecture.hidden
            func touched(_ item: Int) -> Bool { (0..<c).contains { table[item * c + $0] != 0 } }
            #expect(!(0..<union.itemCount).contains { !items.contains($0) && touched($0) }, "\(loss) scored another catalog's items")
            #expect(items.filter(touched).count > items.count / 2)
            // The batch split across two workers scores the same catalog to the same loss.
            let split2 = trainer(t.options.loss, .catalog, threads: 2)
            var rng2 = RandomSource(seed: 4)
            let batch2 = split2.makeBatches(&rng2).first { split2.negativeCatalog(of: $0) == 1 }!
            let (sequences2, length2, rows2) = split2.assemble(batch2, rng: &rng2)
            let (loss2, encoded2) = split2.lossAndGradients(sequences2, batch: batch2.count, length: length2, rows: rows2, negativesFrom: 1,
                                                            training: false, rng: &rng2)
            #expect(encoded2 == encoded && abs(loss2 - loss) < 1e-4 * max(1, abs(loss)), "two workers: \(loss2) against \(loss)")
            guard case .fullCrossEntropy = t.options.loss else { continue }
            // Full CE's value: softmax over the catalog's items alone, from the network's own vectors.
            network.encodeItems()
            network.forward(sequences, batch: batch.count, length: length, training: false, rng: &rng)
            var expected = 0.0
            for (row, target) in zip(rows.rows, rows.targets) {
                let h = network.hidden.pointer + Int(row) * c
                let logits = items.map { item in (0..<c).reduce(0.0) { $0 + Double(h[$1] * network.itemVectors.pointer[item * c + $1]) } }
                let top = logits.max()!
                expected += top + log(logits.reduce(0.0) { $0 + exp($1 - top) }) - logits[Int(target) - items.lowerBound]
            }
            expected /= Double(rows.count)
            #expect(abs(Double(loss) - expected) < 1e-4 * max(1, abs(expected)), "full CE over the catalog \(loss) against \(expected)")
        }
    }

    @Test func evaluatingPerCatalogRanksAmongThatCatalogsItemsOnly() throws {
        let union = try DatasetLoader.load([Self.catalog("alpha", items: 30), Self.catalog("beta", items: 20)])
        let split = try union.split(.leaveOneOut)
        let shape = ModelShape(architecture: Architecture(name: "t", layers: 1, heads: 1, hidden: 8, inner: 8, maxLength: 8),
                               itemEncoder: ItemEncoderConfig(kind: .id), items: union.itemCount)
        let network = Network(shape: shape, maxBatch: 64, seed: 3)
        let results = CatalogEvaluation.evaluate(network, cases: split.test, catalogs: split.catalogs, ks: [50])
        // Among its own 20 items every target is within the top 20; among all 50 items, not (the weights are random).
        let beta = results.byCatalog.first { $0.name == "beta" }!.result
        let betaOnly = CatalogEvaluation.group(split.test, by: split.catalogs)[1]
        #expect(beta.cases == betaOnly.count)
        let own = Evaluator.evaluate(network, cases: betaOnly, ks: [20], among: split.catalogs[1].items)
        #expect(own.unmasked["hr@20"] == 1)
        let everything = Evaluator.evaluate(network, cases: betaOnly, ks: [20])
        #expect(everything.unmasked["hr@20"]! < 1)
        #expect(results.overall.cases == split.test.count)
        let limited = CatalogEvaluation.validationCases(split, limit: 10)
        #expect(limited.count == 10 && CatalogEvaluation.group(limited, by: split.catalogs).map(\.count) == [5, 5])
    }

    @Test func fieldMappingDropsNoText() throws {
        func catalog(_ fields: [String], _ row: [String]) -> ItemCatalog { ItemCatalog(ids: ["a"], fields: fields, text: [row]) }
        let same = try FieldMapping.infer(fields: ["title"], catalog: catalog(["title", "brand"], ["OPI red", ""]))
        #expect(same.sources == [["title"]] && same.isIdentity)
        let office = try FieldMapping.infer(fields: ["title"], catalog: catalog(["title", "brand", "categories"], ["phone", "VTech", "Office"]))
        #expect(office.sources == [["title", "brand", "categories"]] && !office.isIdentity)
        #expect(office.description == "title ← title + brand + categories")
        let movies = try FieldMapping.infer(fields: ["title", "brand"], catalog: catalog(["movie_title", "class"], ["Heat", "Crime"]))
        #expect(movies.sources == [["movie_title", "class"], []])
        let explicit = try FieldMapping.infer(fields: ["title", "brand"], catalog: catalog(["movie_title", "class"], ["Heat", "Crime"]),
                                              explicit: ["brand": ["class"]])
        #expect(explicit.sources == [["movie_title"], ["class"]])
        #expect(throws: TrainingError.self) { try FieldMapping.infer(fields: ["title"], catalog: catalog(["title"], [""])) }
        #expect(throws: TrainingError.self) { try FieldMapping.infer(fields: ["title"], catalog: catalog(["name"], ["x"]), explicit: ["color": ["name"]]) }
        #expect(throws: TrainingError.self) { try FieldMapping.infer(fields: ["title"], catalog: catalog(["name"], ["x"]), explicit: ["title": ["nam"]]) }
        #expect(try FieldMapping.parse(["title=name+kind"]) == ["title": ["name", "kind"]])
        #expect(throws: TrainingError.self) { try FieldMapping.parse(["title"]) }
    }

    @Test func aBaseFineTunesOntoACatalogWithOtherColumnsAndEvaluationReadsThemTheSameWay() throws {
        var base = Synthetic.request(encoder: .text, epochs: 2)
        base.dataPaths = [Self.catalog("alpha")]
        let checkpoint = try TrainingRun.run(base) { _ in .proceed }.checkpoint
        let target = Self.catalog("shop", header: ["name", "shade"], words: "thing")
        var request = FineTuneRequest(base: checkpoint, dataPath: target, output: NSTemporaryDirectory() + "srthub-ft-map-" + UUID().uuidString)
        request.plan = .full
        request.finalEpochs = 2
        request.ewc = 0
        let (report, notes) = try FineTuneRun.runCollectingNotes(request)
        #expect(notes.contains { $0.contains("title ← name + shade") && $0.contains("color ← (nothing)") }, "\(notes)")
        let config = try Checkpoint.load(from: report.checkpoint).config
        #expect(config.model.itemEncoder.sources == [["name", "shade"], []])
        // eval of the fine-tuned model on the same catalog reproduces its own test figures.
        let dataset = try DatasetLoader.load(target)
        let loaded = try Checkpoint.load(from: report.checkpoint, scoring: dataset.catalog, maxBatch: 64)
        let again = Evaluator.evaluate(loaded.network, cases: try dataset.split(.leaveOneOut).test)
        #expect(again.masked == report.test.masked)
    }
}
