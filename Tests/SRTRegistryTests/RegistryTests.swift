import Foundation
import Testing
@testable import SRTRegistry
import Yams
import SRTOCI

@Suite struct RegistryTests {
    let registry = try! Registry(home: RegistryHome(path: tempPath()))

    @Test func addingTheSameFolderTwiceGivesTheSameDigestAndStoresNothing() throws {
        let folder = writeCheckpoint(at: tempPath("ck"))
        let first = try registry.add(checkpoint: folder, as: ref("base:v1"))
        #expect(!first.alreadyPresent)
        #expect(first.storedBlobs == 4)  // config, weights, tokenizer, card (no fisher here)
        let blobsBefore = registry.blobs.allStored().count
        let second = try registry.add(checkpoint: folder, as: ref("base:v1"))
        #expect(second.digest == first.digest)
        #expect(second.alreadyPresent && second.storedBlobs == 0)
        #expect(registry.blobs.allStored().count == blobsBefore)
        // A copy of the folder elsewhere is the same checkpoint.
        let copy = tempPath("copy") + "/ck"
        try FileManager.default.copyItem(atPath: folder, toPath: copy)
        #expect(try registry.add(checkpoint: copy, as: ref("other:v1")).digest == first.digest)
    }

    @Test func manifestIsAnOCIArtifactWithTitledLayers() throws {
        let folder = writeCheckpoint(at: tempPath("ck"))
        FileManager.default.createFile(atPath: folder + "/fisher.safetensors", contents: Data([1, 2, 3]))
        let digest = try registry.add(checkpoint: folder, as: ref("base")).digest
        let (manifest, bytes) = try registry.manifest(digest)
        #expect(Digest(hashing: bytes) == digest)
        #expect(manifest.mediaType == MediaType.imageManifest)
        #expect(manifest.artifactType == "application/vnd.srthub.model.v1")
        #expect(manifest.config.mediaType == MediaType.modelConfig)
        #expect(manifest.layers.map(\.title) == ["model.safetensors", "tokenizer.model", "fisher.safetensors", "README.md"])
        #expect(try registry.resolve(ref("base:latest")) == digest)
    }

    /// `list` shows one stated figure: test NDCG@10 on the model's own dataset, full ranking, history
    /// masked. It once showed the maximum over every stored evaluation, so an `eval --negatives 100`
    /// (0.4135) replaced a full-ranking 0.1278 without a word.
    @Test func listShowsSizeParametersAndTheOwnTestFigure() throws {
        let a = try registry.add(checkpoint: writeCheckpoint(at: tempPath("a"), name: "a", ndcg: 0.25), as: ref("a:v1")).digest
        try registry.add(checkpoint: writeCheckpoint(at: tempPath("b"), name: "b", ndcg: nil), as: ref("team/b:v1"))
        try registry.addEvaluation(Evaluation(dataset: "ml-100k", datasetFingerprint: "sha256:ml-100k", protocol: "leave-one-out",
                                              mode: EvaluationMode(negatives: 100), metrics: ["ndcg@10": 0.4135]), for: a)
        try registry.addEvaluation(Evaluation(dataset: "other", datasetFingerprint: "sha256:other", protocol: "leave-one-out",
                                              mode: EvaluationMode(), metrics: ["ndcg@10": 0.9]), for: a)
        let list = try registry.list()
        #expect(list.map(\.reference) == ["a:v1", "team/b:v1"])
        #expect(list[0].testNDCG10 == 0.25 && list[0].dataset == "ml-100k", "not the sampled 0.4135, nor another dataset's 0.9")
        #expect(list[1].testNDCG10 == nil, "no evaluation: none shown")
        #expect(list[0].parameters == 1000)
        #expect(list[0].size > 4096)
    }

    @Test func lineageFromConfigAppearsInLogNewestFirst() throws {
        let base = try registry.add(checkpoint: writeCheckpoint(at: tempPath("base")), as: ref("base:v1")).digest
        let child = try registry.add(checkpoint: writeCheckpoint(at: tempPath("child"), name: "child", weights: [1, 2],
                                                                  parent: base, method: "finetune progressive", dataset: "shop"),
                                     as: ref("shop:ft")).digest
        let log = try registry.log(ref("shop:ft"))
        #expect(log.map(\.digest) == [child, base])
        #expect(log[0].method == "finetune progressive")
        #expect(log[0].dataset == "shop")
        #expect(log[1].tags == ["base:v1"])
        #expect(try registry.children(of: base).map(\.child) == [child])
    }

    /// The runs table: a checkpoint whose config carries the run facts is listed with them, by tag
    /// prefix; one without (an artifact, an old config) is not a run.
    @Test func runsAreRecordedFromTheConfigAndListedByTagPrefix() throws {
        let folder = writeCheckpoint(at: tempPath("run"))
        let path = folder + "/config.json"
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        config["seen_interactions"] = 120_000
        config["flops"] = 3.5e12
        config["validation_ndcg@10"] = 0.042
        config["best_epoch"] = 7
        config["model"] = ["architecture": ["name": "srt-64x2", "layers": 2, "hidden": 64]]
        config["training"] = ["epochs": 10, "loss": "ssm:1000"]
        config["users_sample"] = ["fraction": 0.25, "seed": 3]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        let digest = try registry.add(checkpoint: folder, as: ref("scaling/shop:srt-64x2-f0.25")).digest
        _ = try registry.add(checkpoint: writeCheckpoint(at: tempPath("plain"), name: "plain", weights: [1]), as: ref("scaling/shop:plain"))
        let runs = try registry.runs(tagPrefix: "scaling/shop:")
        #expect(runs.count == 1 && runs[0].digest == digest && runs[0].dataset == "ml-100k")
        let facts = runs[0].facts
        #expect(facts.nonEmbeddingParameters == 800 && facts.seenInteractions == 120_000 && facts.flops == 3.5e12 && facts.validationNDCG10 == 0.042)
        #expect(facts.architecture == "srt-64x2" && facts.bestEpoch == 7 && facts.epochs == 10 && facts.loss == "ssm:1000")
        #expect(facts.usersFraction == 0.25 && facts.usersSeed == 3)
        #expect(try registry.runs(tagPrefix: "other:").isEmpty)
    }

    @Test func everyTrainingCatalogIsRecordedAndListed() throws {
        let base = try registry.add(checkpoint: writeCheckpoint(at: tempPath("corpus"), dataset: "games+toys", catalogs: ["games", "toys"]),
                                    as: ref("base:v1")).digest
        let child = try registry.add(checkpoint: writeCheckpoint(at: tempPath("child"), name: "child", weights: [3], parent: base,
                                                                  method: "finetune full", dataset: "shop"), as: ref("shop:ft")).digest
        #expect(try registry.trainingCatalogs(of: base) == [TrainingCatalog(name: "games", fingerprint: "sha256:games"),
                                                            TrainingCatalog(name: "toys", fingerprint: "sha256:toys")])
        #expect(try registry.trainingCatalogs(of: child) == [TrainingCatalog(name: "shop", fingerprint: "sha256:shop")])
        let log = try registry.log(ref("shop:ft"))
        #expect(log[1].catalogs.map(\.name) == ["games", "toys"])
        let (manifest, _) = try registry.manifest(base)
        let card = String(decoding: try registry.blobs.read(manifest.layer(titled: "README.md")!.digest), as: UTF8.self)
        #expect(try ModelCardFrontMatter.parse(card: card).datasets?.prefix(2) == ["games", "toys"], "datasets by name")
        #expect(card.contains("Catalogs: games (sha256:games), toys (sha256:toys)."))
    }

    @Test func logShowsAncestorsKnownOnlyByDigest() throws {
        let unknown = Digest(hashing: Array("elsewhere".utf8))
        try registry.add(checkpoint: writeCheckpoint(at: tempPath("c"), parent: unknown, method: "finetune"), as: ref("c"))
        let log = try registry.log(ref("c"))
        #expect(log.count == 2)
        #expect(log[1].digest == unknown && !log[1].stored)
    }

    @Test func modelCardHasFrontMatterWithResultsAndBaseModel() throws {
        let base = try registry.add(checkpoint: writeCheckpoint(at: tempPath("base")), as: ref("base:v1")).digest
        let digest = try registry.add(checkpoint: writeCheckpoint(at: tempPath("child"), name: "child", parent: base, method: "finetune", ndcg: 0.1234),
                                      as: ref("child")).digest
        let (manifest, _) = try registry.manifest(digest)
        let card = String(decoding: try registry.blobs.read(manifest.layer(titled: "README.md")!.digest), as: UTF8.self)
        #expect(card.hasPrefix("---\nlibrary_name: srthub\n"))
        let front = try ModelCardFrontMatter.parse(card: card)
        #expect(front.baseModel == "base:v1" && front.baseModelRelation == "finetune" && front.license == "other")
        let result = try #require(front.modelIndex?.first?.results.first)
        #expect(front.modelIndex?.first?.name == "child" && result.dataset.args.protocol == "leave-one-out")
        #expect(result.metrics.contains(.init(type: "ndcg@10", name: "NDCG@10 (full, history masked)", value: 0.1234)))
        #expect(card.contains("## Usage") && card.contains("## Limitations"))
    }

    /// The card's training section names the recipe, with the options a run set beyond the defaults.
    @Test func theCardNamesTheRecipe() throws {
        let training: [String: Any] = ["loss": "ssm:1000", "epochs": 30, "learning_rate": 0.001, "batch": 128, "token_dropout": 0.25]
        let digest = try registry.add(checkpoint: writeCheckpoint(at: tempPath("r"), training: training), as: ref("r:v1")).digest
        let (manifest, _) = try registry.manifest(digest)
        let card = String(decoding: try registry.blobs.read(manifest.layer(titled: "README.md")!.digest), as: UTF8.self)
        #expect(card.contains("## Training") && card.contains("loss ssm:1000; epochs 30;") && card.contains("token dropout 0.25"), "\(card)")
        #expect(!card.contains("decoupled weight decay"))  // not set: not listed
    }

    /// Names a hand-written YAML would get wrong (a bare `yes` reads as true, `1.0` as a number, a
    /// leading `- ` as a list, `: ` as a mapping) come back from the card as the strings they were.
    @Test(arguments: ["yes", "1.0", "null", "- x", "a: b #c", "shop \"best\"", "ünïcode ✓", "~", "@at", "[1, 2]"])
    func aCardsFrontMatterKeepsAnyNameAsWritten(_ name: String) throws {
        let digest = try registry.add(checkpoint: writeCheckpoint(at: tempPath("n"), name: name, dataset: name), as: ref("n:v1")).digest
        let (manifest, _) = try registry.manifest(digest)
        let card = String(decoding: try registry.blobs.read(manifest.layer(titled: "README.md")!.digest), as: UTF8.self)
        let front = try ModelCardFrontMatter.parse(card: card)
        #expect(front.modelIndex?.first?.name == name, "\(card)")
        #expect(front.datasets == [name] && front.modelIndex?.first?.results.first?.dataset.name == name)
    }

    /// Metric values as a reader and every YAML parser expect them: decimals with a dot, the exact Double back.
    @Test(arguments: [(0.0138743255223686, "0.0138743255223686"), (0, "0.0"), (1, "1.0"), (1e-05, "1.0e-05"), (.infinity, ".inf")])
    func metricValuesAreWrittenAsPlainFloats(_ value: Double, _ text: String) throws {
        let yaml = try YAMLEncoder().encode([ModelCardFrontMatter.Metric(type: "ndcg@10", name: "NDCG@10", value: .init(value))])
        #expect(yaml.contains("value: \(text)\n"), "\(yaml)")
        #expect(try YAMLDecoder().decode([ModelCardFrontMatter.Metric].self, from: yaml).first?.value.value == value)
    }

    @Test func gcKeepsReferrersOfTaggedModelsAndFreshUploads() throws {
        let model = try registry.add(checkpoint: writeCheckpoint(at: tempPath("m"), name: "m"), as: ref("m:v1")).digest
        try registry.publishEvaluations(of: model)
        let referrers = try registry.referrers(of: model, artifactType: MediaType.evaluation)
        #expect(referrers.count == 1)
        // A blob uploaded by a push whose manifest has not arrived yet: no row, fresh file.
        let (pending, _) = try registry.blobs.store(data: Data("pending upload".utf8))
        let kept = try registry.gc(dryRun: false)
        #expect(kept.manifests.isEmpty && registry.blobs.contains(pending))
        #expect(try registry.referrers(of: model).count == 1)  // evaluations live as long as their model
        let swept = try registry.gc(dryRun: false, grace: 0)
        #expect(swept.orphanFiles == [pending] && !registry.blobs.contains(pending))
        _ = try registry.remove(ref("m:v1"))
        let gone = try registry.gc(dryRun: false, grace: 0)
        #expect(Set(gone.manifests) == Set([model, referrers[0].digest]))
        #expect(try registry.verify().ok)
    }

    @Test func tagRemoveAndGarbageCollection() throws {
        let a = try registry.add(checkpoint: writeCheckpoint(at: tempPath("a"), name: "a", weights: Array(repeating: 1, count: 1000)), as: ref("a:v1")).digest
        let b = try registry.add(checkpoint: writeCheckpoint(at: tempPath("b"), name: "b", weights: Array(repeating: 2, count: 2000)), as: ref("b:v1")).digest
        #expect(try registry.tag(ref("a:v1"), as: ref("a:best")) == a)
        #expect(try registry.remove(ref("a:v1")) == ["a:v1"])
        #expect(try registry.gc(dryRun: false).manifests.isEmpty)  // still tagged a:best

        #expect(try registry.remove(ref("a:best")) == ["a:best"])
        let dry = try registry.gc(dryRun: true)
        #expect(dry.manifests == [a])
        #expect(dry.bytes >= 1000)
        #expect(try registry.manifest(a).1.count > 0)  // a dry run removes nothing

        let report = try registry.gc(dryRun: false)
        #expect(report.manifests == [a])
        #expect(throws: RegistryError.self) { try registry.manifest(a) }
        // b's blobs survive; weights shared by nobody else are gone.
        #expect(try registry.verify().ok)
        #expect(try registry.resolve(ref("b:v1")) == b)
        #expect(registry.blobs.contains(Digest(hashing: Array(repeating: UInt8(2), count: 2000))))
        #expect(!registry.blobs.contains(Digest(hashing: Array(repeating: UInt8(1), count: 1000))))
    }

    @Test func diffReportsConfigAndMetricChanges() throws {
        try registry.add(checkpoint: writeCheckpoint(at: tempPath("a"), name: "a", ndcg: 0.1), as: ref("m:a"))
        try registry.add(checkpoint: writeCheckpoint(at: tempPath("b"), name: "b", ndcg: 0.2), as: ref("m:b"))
        let diff = try registry.diff(ref("m:a"), ref("m:b"))
        #expect(diff.contains(Registry.Difference(key: "config.name", a: "\"a\"", b: "\"b\"")))
        #expect(diff.contains { $0.key == "metric ml-100k leave-one-out full, history masked ndcg@10" && $0.a == "0.1" && $0.b == "0.2" })  // JSON numbers, whole
        #expect(!diff.contains { $0.key.contains("hr@10") })  // equal metrics are not differences
    }

    @Test func checkoutWritesTheFilesBack() throws {
        let folder = writeCheckpoint(at: tempPath("ck"))
        try registry.add(checkpoint: folder, as: ref("ck"))
        let out = tempPath("out") + "/restored"
        let files = try registry.checkout(ref("ck"), into: out)
        #expect(Set(files) == ["config.json", "model.safetensors", "tokenizer.model", "README.md"])
        for file in ["config.json", "model.safetensors", "tokenizer.model"] {
            #expect(FileManager.default.contents(atPath: out + "/" + file) == FileManager.default.contents(atPath: folder + "/" + file))
        }
    }

    @Test func exportImportCarriesLineageEvaluationsAndDigests() throws {
        let base = try registry.add(checkpoint: writeCheckpoint(at: tempPath("base"), ndcg: 0.3), as: ref("base:v1")).digest
        let child = try registry.add(checkpoint: writeCheckpoint(at: tempPath("child"), name: "child", parent: base, method: "finetune"),
                                     as: ref("team/child:v1")).digest
        let bundle = tempPath("bundle")
        try registry.export(ref("base:v1"), to: bundle)
        try registry.export(ref("team/child:v1"), to: bundle)
        #expect(FileManager.default.fileExists(atPath: bundle + "/oci-layout"))

        let other = try Registry(home: RegistryHome(path: tempPath("home2")))
        let imported = try other.importLayout(from: bundle)
        #expect(Set(imported.map(\.digest)) == [base, child])
        #expect(try other.resolve(ref("team/child:v1")) == child)
        #expect(try other.log(ref("team/child:v1")).map(\.digest) == [child, base])
        #expect(try other.evaluations(of: base).first?.evaluation.metrics["ndcg@10"] == 0.3)
        #expect(try other.verify().ok)
    }

    @Test func importRefusesACorruptBundleAndStoresNothing() throws {
        let folder = writeCheckpoint(at: tempPath("ck"), weights: Array(repeating: 9, count: 5000))
        let digest = try registry.add(checkpoint: folder, as: ref("ck")).digest
        let bundle = tempPath("bundle")
        try registry.export(ref("ck"), to: bundle)
        let weights = Digest(hashing: Array(repeating: UInt8(9), count: 5000))
        var bytes = [UInt8](FileManager.default.contents(atPath: bundle + "/blobs/sha256/" + weights.hex)!)
        bytes[100] ^= 0xFF
        FileManager.default.createFile(atPath: bundle + "/blobs/sha256/" + weights.hex, contents: Data(bytes))

        let other = try Registry(home: RegistryHome(path: tempPath("home2")))
        #expect {
            try other.importLayout(from: bundle)
        } throws: { error in
            (error as? RegistryError)?.kind == .digestMismatch
        }
        #expect(!other.blobs.contains(weights))
        #expect(throws: RegistryError.self) { try other.resolve(ref("ck")) }
        #expect(try other.list().isEmpty)
        _ = digest
    }

    @Test func verifyFindsCorruptAndMissingBlobs() throws {
        let digest = try registry.add(checkpoint: writeCheckpoint(at: tempPath("ck"), weights: Array(repeating: 5, count: 3000)), as: ref("ck")).digest
        #expect(try registry.verify().ok)
        let weights = Digest(hashing: Array(repeating: UInt8(5), count: 3000))
        FileManager.default.createFile(atPath: registry.home.blobPath(weights), contents: Data(Array(repeating: 6, count: 3000)))
        let (manifest, _) = try registry.manifest(digest)
        try FileManager.default.removeItem(atPath: registry.home.blobPath(manifest.layer(titled: "tokenizer.model")!.digest))
        let report = try registry.verify()
        #expect(!report.ok)
        #expect(report.problems.contains { $0.contains(weights.description) && $0.contains("corrupt") })
        #expect(report.problems.contains { $0.contains("is missing") })
        #expect(try !registry.verify(ref("ck")).ok)
    }

    @Test func badCheckpointFoldersAreRefusedWithTheFix() throws {
        let empty = tempPath("empty")
        #expect { try registry.add(checkpoint: empty, as: ref("x")) } throws: { error in
            (error as? RegistryError)?.kind == .badCheckpoint && "\(error)".contains("no config.json")
        }
        let noWeights = tempPath("nw")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: noWeights + "/config.json"))
        #expect { try registry.add(checkpoint: noWeights, as: ref("x")) } throws: { error in
            "\(error)".contains("no model.safetensors")
        }
        let badConfig = writeCheckpoint(at: tempPath("bc"))
        try Data("[1,2]".utf8).write(to: URL(fileURLWithPath: badConfig + "/config.json"))
        #expect { try registry.add(checkpoint: badConfig, as: ref("x")) } throws: { error in
            "\(error)".contains("config.json is not a JSON object")
        }
        #expect(try registry.list().isEmpty)
    }

    @Test(arguments: [0.0, 1_795_000_000.0, 1_795_000_000.999, 4_102_444_799.5])
    func timestampsAreWhatISO8601DateFormatterWrites(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(timestamp(date) == ISO8601DateFormatter().string(from: date))
    }

    /// One typed evaluation: written with its mode as text and spelled out, read back from either,
    /// and an unknown mode is an error that shows the expected form.
    @Test func evaluationsRoundTripAndOldFilesRead() throws {
        let e = Evaluation(dataset: "shop", datasetFingerprint: "sha256:x", protocol: "leave-one-out",
                           mode: EvaluationMode(negatives: 100, sampling: .popularity, maskHistory: false), metrics: ["ndcg@10": 0.5, "hr@5": 0.25])
        let data = try Evaluation.encodeList([e])
        #expect(try JSONDecoder().decode([Evaluation].self, from: data) == [e])
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"sampled 100 popularity, history unmasked\"") && text.contains("\"history_masked\" : false") && text.contains("\"negatives\" : 100"))
        #expect(e.ks == [5, 10])
        let old = #"{"dataset_fingerprint": "sha256:x", "protocol": "leave-one-out", "mode": "full, history masked", "metrics": {"ndcg@10": 0.1}}"#
        #expect(try JSONDecoder().decode(Evaluation.self, from: Data(old.utf8)).mode == EvaluationMode())
        let bad = #"{"dataset_fingerprint": "sha256:x", "protocol": "leave-one-out", "mode": "full", "metrics": {}}"#
        #expect(throws: (any Error).self) { try JSONDecoder().decode(Evaluation.self, from: Data(bad.utf8)) }
        for mode in [EvaluationMode(), EvaluationMode(maskHistory: false), EvaluationMode(negatives: 7, sampling: .uniform)] {
            #expect(EvaluationMode(parsing: mode.description) == mode)
        }
    }
}
