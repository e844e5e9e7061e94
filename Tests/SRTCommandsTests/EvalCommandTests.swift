import Foundation
import Testing

/// `srthub eval` as a user runs it: a table against baselines, cached baselines the second time,
/// results saved beside the checkpoint and in the registry, and clear errors for bad requests.
@Suite(.enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct EvalCommandTests {
    static func trained(encoder: String = "text") throws -> (data: String, checkpoint: String) {
        let (folder, preset) = TrainCommandTests.data()
        let out = makeTempFolder() + "/model"
        let train = try CLIRunner.run(["train", "--data", folder, "--preset", preset, "--epochs", "2", "--vocab-size", "60",
                                       "--batch", "8", "--item-encoder", encoder, "--out", out])
        #expect(train.status == 0, "\(train.stderr)")
        return (folder, out)
    }

    /// `srthub finetune` with its defaults: token embeddings rescaled, the start probe, then one full
    /// stage of CE without EWC; the output says each, and config.json records them.
    @Test func finetuneDefaultsRescaleProbeAndTrainEverything() throws {
        let (data, checkpoint) = try Self.trained()
        let out = makeTempFolder() + "/ft"
        let run = try CLIRunner.run(["finetune", checkpoint, "--data", data, "--final-epochs", "2", "--batch", "8", "--out", out])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("token embeddings rescaled") && run.stderr.contains("to 0.02"), "\(run.stderr)")
        // The probe's race: the first epochs of the schedule (here all 2) from each start, each side's epochs labelled.
        #expect(run.stderr.contains("the base's weights train the first 2 epochs") && run.stderr.contains("probe: the base, stage 1/1 epoch 2:")
                && run.stderr.contains("probe: fresh weights epoch 2:") && run.stderr.contains("start probe: the base's start"), "\(run.stderr)")
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/config.json"))) as? [String: Any])
        let fineTuning = try #require(config["fine_tuning"] as? [String: Any])
        #expect(fineTuning["plan"] as? String == "full" && fineTuning["ewc_lambda"] as? Double == 0)
        #expect((fineTuning["embedding_rms"] as? Double).map { abs($0 - 0.02) < 1e-6 } == true)
        let probe = try #require(fineTuning["start_probe"] as? [String: Any])
        #expect(probe["epochs"] as? Int == 2 && ["base", "fresh"].contains(probe["start"] as? String ?? ""))
        let training = try #require(config["training"] as? [String: Any])
        #expect(training["loss"] as? String == "ce", "the loss as the CLI spells it: \(training)")
        #expect((training["learning_rate"] as? Double).map { abs($0 - 1e-3) < 1e-9 } == true, "\(training)")
        #expect(training["epochs"] as? Int == 2)
        // The text baseline on the validation cases the fine-tune chose by, as `eval --baselines text --validation` scores it.
        let recorded = try #require(fineTuning["text_baseline_validation_ndcg@10"] as? Double)
        #expect(run.stderr.contains(String(format: "%.4f for the text baseline", recorded)), "\(run.stderr)")
        let eval = try CLIRunner.run(["eval", out, "--data", data, "--baselines", "text", "--validation", "--no-save", "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let rows = try #require((try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])?["rows"] as? [[String: Any]])
        let text = try #require(rows.first { $0["kind"] as? String == "text" }?["results"] as? [String: [String: Double]])
        #expect(text["full, history masked"]?["ndcg@10"] == recorded, "eval: \(text), finetune: \(recorded)")
    }

    @Test func tableWithBaselinesThenCachedAndSaved() throws {
        let (data, checkpoint) = try Self.trained()
        let home = makeTempFolder()
        let args = ["eval", checkpoint, "--data", data, "--baselines", "pop,sasrec,scratch", "--baseline-epochs", "2", "--home", home]
        let first = try CLIRunner.run(args)
        #expect(first.status == 0, "\(first.stderr)")
        for text in ["history masked", "history unmasked", "leave-one-out", "model", "pop", "sasrec (id, bce)", "scratch",
                     "NDCG@10", "HR@5", "MRR@1", "*"] {
            #expect(first.stdout.contains(text), "missing \(text) in\n\(first.stdout)")
        }
        #expect(first.stderr.contains("baseline sasrec: training"))
        let second = try CLIRunner.run(args + ["--json"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("baseline sasrec: cached") && !second.stderr.contains("training"))
        let report = try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as! [String: Any]
        let rows = report["rows"] as! [[String: Any]]
        #expect(rows.map { $0["kind"] as! String } == ["model", "pop", "sasrec", "scratch"])
        #expect(rows.dropFirst(2).allSatisfy { $0["cached"] as? Bool == true })
        // The same numbers both times: cached baselines are the same weights.
        let again = try CLIRunner.run(args + ["--json"])
        let rowsAgain = (try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as! [String: Any])["rows"] as! [[String: Any]]
        #expect(NSDictionary(dictionary: rows[2]["results"] as! [String: Any]).isEqual(to: rowsAgain[2]["results"] as! [String: Any]))

        // Saved beside the checkpoint: its own results merged into eval.json, the table in eval-report.json.
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: checkpoint + "/eval.json"))) as! [[String: Any]]
        #expect(saved.count == 2)  // training's two modes, replaced (same data, protocol and mode) rather than duplicated
        #expect(FileManager.default.fileExists(atPath: checkpoint + "/eval-report.json"))

        let markdown = try CLIRunner.run(["eval", checkpoint, "--data", data, "--negatives", "5", "--sampling", "popularity",
                                          "--masking", "masked", "--markdown", "--home", home])
        #expect(markdown.status == 0, "\(markdown.stderr)")
        #expect(markdown.stdout.contains("sampled 5 popularity, history masked") && markdown.stdout.contains("|---|"))
    }

    /// `--baselines text` ranks by the last item's text, with no training; a catalog without text is refused.
    @Test func theTextBaselineNeedsNoTrainingAndRefusesACatalogWithoutText() throws {
        let (data, checkpoint) = try Self.trained()
        let run = try CLIRunner.run(["eval", checkpoint, "--data", data, "--baselines", "text", "--home", makeTempFolder(), "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = (try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any])["rows"] as! [[String: Any]]
        #expect(rows.map { $0["kind"] as! String } == ["model", "text"] && !run.stderr.contains("training"), "\(rows)")
        let textless = makeTempFolder() + "/shop"
        writeFile(textless + "/shop.inter", "user_id:token\titem_id:token\n" + (0..<20).map { "u\($0 % 5)\ti\($0 % 7)\n" }.joined())
        let idModel = makeTempFolder() + "/id"
        #expect(try CLIRunner.run(["train", "--data", textless, "--allow-missing-text", "--item-encoder", "id", "--epochs", "1", "--batch", "4", "--out", idModel]).status == 0)
        let refused = try CLIRunner.run(["eval", idModel, "--data", textless, "--allow-missing-text", "--cutoffs", "1,5", "--baselines", "text", "--home", makeTempFolder()])
        #expect(refused.status != 0 && refused.stderr.contains("the text baseline needs item text"), "\(refused.stderr)")
    }

    /// `--baseline-loss` trains the sasrec baseline once per loss of the family, each its own row.
    @Test func theSasrecBaselineTrainsWithEachRequestedLoss() throws {
        let (data, checkpoint) = try Self.trained()
        let run = try CLIRunner.run(["eval", checkpoint, "--data", data, "--baselines", "sasrec", "--baseline-loss", "gbce:4",
                                     "--baseline-loss", "rece", "--baseline-epochs", "1", "--home", makeTempFolder(), "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = (try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any])["rows"] as! [[String: Any]]
        #expect(rows.map { $0["name"] as! String }.dropFirst() == ["sasrec (id, gbce:4)", "sasrec (id, rece)"], "\(rows.map { $0["name"]! })")
        let noSasrec = try CLIRunner.run(["eval", checkpoint, "--data", data, "--baselines", "pop", "--baseline-loss", "rece"])
        #expect(noSasrec.status == 64 && noSasrec.stderr.contains("add sasrec to --baselines"), "\(noSasrec.stderr)")
        let misspelled = try CLIRunner.run(["eval", checkpoint, "--data", data, "--baselines", "sasrec", "--baseline-loss", "rece:bucket=4"])
        #expect(misspelled.status == 64 && misspelled.stderr.contains("unknown option 'bucket=4'"), "\(misspelled.stderr)")
    }

    /// Each baseline's difference to the model comes with a 95% paired-bootstrap interval: in the
    /// table, in the JSON, in eval.json, and in the model card of the checkpoint once added.
    @Test func baselinesComeWithAnIntervalOfTheDifference() throws {
        let (data, checkpoint) = try Self.trained()
        let home = makeTempFolder()
        let table = try CLIRunner.run(["eval", checkpoint, "--data", data, "--baselines", "pop", "--home", home])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("MODEL − ROW, NDCG@10 [95% CI]") && table.stdout.contains("paired bootstrap"), "\(table.stdout)")
        let json = try CLIRunner.run(["eval", checkpoint, "--data", data, "--baselines", "pop", "--home", home, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let rows = try #require(report["rows"] as? [[String: Any]])
        #expect(rows[0]["versus_model"] == nil)
        let versus = try #require(rows[1]["versus_model"] as? [String: [String: Any]])
        for mode in ["full, history masked", "full, history unmasked"] {
            let d = try #require(versus[mode])
            let model = ((rows[0]["results"] as! [String: [String: Double]])[mode]!)["ndcg@10"]!
            let pop = ((rows[1]["results"] as! [String: [String: Double]])[mode]!)["ndcg@10"]!
            let difference = d["difference"] as! Double, low = d["low"] as! Double, high = d["high"] as! Double
            #expect(abs(difference - (model - pop)) < 1e-12 && abs((d["other"] as! Double) - pop) < 1e-12)
            #expect(low <= difference && difference <= high && low < high, "\(d)")
        }
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: checkpoint + "/eval.json"))) as? [[String: Any]])
        #expect(saved.allSatisfy { (($0["baselines"] as? [[String: Any]])?.first?["name"] as? String) == "pop" }, "\(saved)")
        #expect(try CLIRunner.run(["add", checkpoint, "--tag", "shop:v1", "--home", home]).status == 0)
        let card = try CLIRunner.run(["show", "shop:v1", "--card", "--home", home])
        #expect(card.stdout.contains("## Against baselines") && card.stdout.contains("| pop | ndcg@10 |"), "\(card.stdout)")
        let show = try CLIRunner.run(["show", "shop:v1", "--json", "--home", home])
        #expect(show.stdout.contains("\"baselines\""), "the registry keeps the comparison: \(show.stdout)")
    }

    /// A temporal split's evaluation is one key whoever writes it: train's and eval's results merge
    /// (train wrote "temporal", eval "temporal (cutoff at …)", so they sat side by side forever).
    @Test func temporalEvaluationsOfTrainAndEvalMerge() throws {
        let work = makeTempFolder()
        var inter = "user_id:token\titem_id:token\ttimestamp:float\n"
        for u in 0..<80 { for j in 0..<10 { inter += "u\(u)\ti\((u * 7 + j * 3) % 40)\t\(u * 10 + j)\n" } }
        writeFile(work + "/shop/shop.inter", inter)
        writeFile(work + "/shop/shop.item", "item_id:token\ttitle:token_seq\n" + (0..<40).map { "i\($0)\tproduct number \($0)\n" }.joined())
        let preset = TrainCommandTests.data().preset
        let out = work + "/model"
        let split = ["--protocol", "temporal", "--quantile", "0.8"]
        let train = try CLIRunner.run(["train", "--data", work + "/shop", "--preset", preset, "--epochs", "1", "--vocab-size", "60", "--batch", "8",
                                       "--out", out] + split)
        #expect(train.status == 0, "\(train.stderr)")
        func saved() throws -> [[String: Any]] {
            try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/eval.json"))) as? [[String: Any]])
        }
        let protocols = Set(try saved().map { $0["protocol"] as? String ?? "" })
        #expect(protocols == ["temporal (cutoff at the 0.8 timestamp quantile)"], "\(protocols)")
        let eval = try CLIRunner.run(["eval", out, "--data", work + "/shop"] + split)
        #expect(eval.status == 0, "\(eval.stderr)")
        let after = try saved()
        #expect(after.count == 2, "eval's results replace train's: \(after.map { "\($0["protocol"] ?? "") / \($0["mode"] ?? "")" })")
        // Spelled out as well as keyed by text.
        #expect(after.allSatisfy { ($0["ranking"] as? [String: Any])?["candidates"] as? String == "full" && $0["history_masked"] is Bool })
    }

    @Test func reproducesTheTrainingRunsOwnTestNumbers() throws {
        let (data, checkpoint) = try Self.trained()
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: checkpoint + "/eval.json"))) as! [[String: Any]]
        // Exactly, whatever the thread count: train's own figures came from the same ranks
        // (they once differed from eval's in the 4th decimal).
        var ranks: [[String: [Int]]] = []
        for threads in ["1", "3"] {
            let ranksFile = makeTempFolder() + "/ranks.json"
            let eval = try CLIRunner.run(["eval", checkpoint, "--data", data, "--no-save", "--json", "--threads", threads, "--ranks", ranksFile])
            #expect(eval.status == 0, "\(eval.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
            let results = (report["rows"] as! [[String: Any]])[0]["results"] as! [String: [String: Double]]
            for entry in saved {
                let mode = entry["mode"] as! String, metrics = entry["metrics"] as! [String: Double]
                for (key, value) in metrics { #expect(results[mode]?[key] == value, "\(mode) \(key) with \(threads) threads") }
            }
            let kept = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ranksFile))) as! [String: Any]
            ranks.append(try #require(kept["ranks"] as? [String: [Int]]))
        }
        #expect(ranks[0] == ranks[1] && !ranks[0].isEmpty)
    }

    @Test func registryReferenceStoresEvaluationsInTheRegistry() throws {
        let (data, checkpoint) = try Self.trained()
        let home = makeTempFolder()
        #expect(try CLIRunner.run(["add", checkpoint, "--tag", "shop:v1", "--home", home]).status == 0)
        let eval = try CLIRunner.run(["eval", "shop:v1", "--data", data, "--negatives", "10", "--home", home])
        #expect(eval.status == 0, "\(eval.stderr)")
        let show = try CLIRunner.run(["show", "shop:v1", "--home", home, "--json"])
        #expect(show.stdout.contains("sampled 10 uniform, history masked"), "\(show.stdout)")
    }

    /// Ctrl-C while a baseline trains: exit 130 as `train` does, a message that says why, and no
    /// half-trained baseline in the cache.
    @Test func interruptingABaselineExits130AndCachesNothing() throws {
        let (data, checkpoint) = try Self.trained()
        let home = makeTempFolder()
        let run = try CLIRunner.stop(["eval", checkpoint, "--data", data, "--baselines", "sasrec", "--baseline-epochs", "200",
                                      "--home", home], with: SIGINT)
        #expect(run.status == 130, "\(run.stderr)")
        #expect(run.stderr.contains("interrupted while training the sasrec baseline"), "\(run.stderr)")
        let cached = (try? FileManager.default.contentsOfDirectory(atPath: home + "/cache/baselines")) ?? []
        #expect(cached.isEmpty, "\(cached)")
    }

    @Test func badRequestsGetClearMessages() throws {
        let (data, checkpoint) = try Self.trained(encoder: "id")
        let bigK = try CLIRunner.run(["eval", checkpoint, "--data", data, "--cutoffs", "5,500", "--no-save"])
        #expect(bigK.status == 64 && bigK.stderr.contains("K = 500 is larger than the catalog (30 items)"), "\(bigK.stderr)")
        let temporal = try CLIRunner.run(["eval", checkpoint, "--data", data, "--protocol", "temporal", "--no-save"])
        #expect(temporal.status != 0 && temporal.stderr.contains("timestamp"), "\(temporal.stderr)")
        let badBaseline = try CLIRunner.run(["eval", checkpoint, "--data", data, "--baselines", "pop,bert4rec"])
        #expect(badBaseline.status == 64 && badBaseline.stderr.contains("unknown baseline 'bert4rec'"))
        // An ID model cannot rank items it never saw.
        let other = makeTempFolder() + "/other"
        writeFile(other + "/other.inter", "user_id:token\titem_id:token\n" + (0..<20).map { "u\($0 % 4)\tnew\($0)\n" }.joined())
        writeFile(other + "/other.item", "item_id:token\ttitle:token_seq\n" + (0..<20).map { "new\($0)\tnew thing \($0)\n" }.joined())
        let unknown = try CLIRunner.run(["eval", checkpoint, "--data", other, "--no-save"])
        #expect(unknown.status == 65 && unknown.stderr.contains("20 of 20 items are unknown to this ID-based model"), "\(unknown.stderr)")
    }

    @Test func textModelRanksACatalogItNeverSaw() throws {
        let (_, checkpoint) = try Self.trained()
        let other = makeTempFolder() + "/other"
        writeFile(other + "/other.inter", "user_id:token\titem_id:token\n" + (0..<40).map { "u\($0 % 5)\tnew\($0 % 12)\n" }.joined())
        writeFile(other + "/other.item", "item_id:token\ttitle:token_seq\n" + (0..<12).map { "new\($0)\tproduct number \($0 + 50)\n" }.joined())
        let eval = try CLIRunner.run(["eval", checkpoint, "--data", other, "--no-save", "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.contains("\"cases\" : 5"))
    }
}
