import Foundation
import SRTTensor
import Testing

/// `srthub train` as a user runs it: Ctrl-C (SIGINT) or SIGTERM mid-run writes a resumable checkpoint
/// and exits 130 / 143; `--resume` finishes the run; `recommend` answers from the result.
@Suite(.enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct TrainCommandTests {
    static func data() -> (folder: String, preset: String) {
        let work = makeTempFolder()
        var inter = "user_id:token\titem_id:token\n"
        for u in 0..<60 { for t in 0..<(5 + u % 8) { inter += "u\(u)\ti\((u * 3 + t) % 30)\n" } }
        writeFile(work + "/shop/shop.inter", inter)
        writeFile(work + "/shop/shop.item", "item_id:token\ttitle:token_seq\n" + (0..<30).map { "i\($0)\tproduct number \($0)\n" }.joined())
        writeFile(work + "/tiny.json", #"{"name": "tiny", "layers": 1, "heads": 2, "hidden": 16, "inner": 32, "max_length": 8}"#)
        return (work + "/shop", work + "/tiny.json")
    }

    /// Starts a 200-epoch training run, sends `stop` after its first epoch line and waits for it to exit.
    static func trainAndStop(with stop: Int32) throws -> (folder: String, out: String, status: Int32, stderr: String) {
        let (folder, preset) = data()
        let out = makeTempFolder() + "/run"
        let run = try CLIRunner.stop(["train", "--data", folder, "--preset", preset, "--epochs", "200", "--patience", "200",
                                      "--vocab-size", "60", "--batch", "8", "--average-epochs", "3", "--temperature", "1.5",
                                      "--label-smoothing", "0.1", "--out", out], with: stop)
        return (folder, out, run.status, run.stderr)
    }

    /// Debian's OpenBLAS falls back to SSE3 kernels on CPUs newer than it: srthub restarts itself
    /// with the kernel the CPU can run, and keeps a kernel the user chose in OPENBLAS_CORETYPE.
    /// --out is checked before training: a folder holding other files is refused (it was replaced
    /// whole, the files lost), a checkpoint only with --force, an unwritable place with 73 at once.
    @Test func outputFolderIsCheckedBeforeTraining() throws {
        let (folder, preset) = Self.data()
        let work = makeTempFolder()
        let base = ["train", "--data", folder, "--preset", preset, "--epochs", "1", "--vocab-size", "60", "--batch", "8"]
        writeFile(work + "/notes/thesis.tex", "years of work")
        let other = try CLIRunner.run(base + ["--out", work + "/notes"])
        #expect(other.status == 64 && other.stderr.contains("holds other files (thesis.tex)") && !other.stderr.contains("epoch 1"), "\(other.stderr)")
        #expect(FileManager.default.fileExists(atPath: work + "/notes/thesis.tex"))

        #expect(try CLIRunner.run(base + ["--out", work + "/model"]).status == 0)
        let again = try CLIRunner.run(base + ["--out", work + "/model"])
        #expect(again.status == 64 && again.stderr.contains("already holds a checkpoint") && again.stderr.contains("--force"), "\(again.stderr)")
        let forced = try CLIRunner.run(base + ["--out", work + "/model", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).sorted() == ["model", "notes"], "no partial or probe left")
        // A one-letter folder relative to the working directory (Foundation's NSString path code traps on it).
        let short = try CLIRunner.run(base + ["--out", "m"], in: work)
        #expect(short.status == 0 && FileManager.default.fileExists(atPath: work + "/m/config.json"), "\(short.stderr)")
        try FileManager.default.removeItem(atPath: work + "/m")

        writeFile(work + "/file", "x")
        let unwritable = try CLIRunner.run(base + ["--out", work + "/file/model"])
        #expect(unwritable.status == 73 && unwritable.stderr.contains("cannot write the checkpoint") && !unwritable.stderr.contains("epoch 1"),
                "\(unwritable.stderr)")
    }

    @Test func trainingRunsTheFastestKernelTheCPUAllows() throws {
        let (folder, preset) = Self.data()
        func kernel(_ environment: String) throws -> String {
            let run = try bash("\(environment) '\(CLIRunner.executable!)' train --data '\(folder)' --preset '\(preset)' "
                               + "--epochs 1 --vocab-size 60 --batch 8 --out '\(makeTempFolder())/run'")
            #expect(run.status == 0, "\(run.stderr)")
            let note = run.stderr.split(separator: "\n").first { $0.contains("OpenBLAS") } ?? ""
            return note.split(separator: " ").drop { $0 != "OpenBLAS" }.dropFirst().first.map(String.init) ?? "none in: \(run.stderr)"
        }
        let chosen = try kernel("env -u OPENBLAS_CORETYPE")
        #expect(BLASKernel.better(than: chosen, cpuFlags: BLASKernel.cpuFlags()) == nil, "ran \(chosen)")
        #expect(try kernel("OPENBLAS_CORETYPE=Prescott") == "Prescott")
    }

    /// `kill`, `timeout` and job schedulers send SIGTERM: it stops the run as Ctrl-C does, exit 143.
    @Test func sigtermAlsoWritesAResumableCheckpoint() throws {
        let run = try Self.trainAndStop(with: SIGTERM)
        #expect(run.status == 143, "\(run.stderr)")
        #expect(run.stderr.contains("interrupted"))
        #expect(FileManager.default.fileExists(atPath: run.out + "/resume/state.json"))
        #expect(FileManager.default.fileExists(atPath: run.out + "/model.safetensors"))
    }

    @Test func interruptWritesAResumableCheckpointAndResumeFinishesIt() throws {
        // Interrupt after the first epoch as Ctrl-C would.
        let (folder, out, status, seen) = try Self.trainAndStop(with: SIGINT)
        #expect(status == 130, "\(seen)")
        #expect(seen.contains("interrupted"))
        #expect(FileManager.default.fileExists(atPath: out + "/resume/state.json"))
        #expect(FileManager.default.fileExists(atPath: out + "/model.safetensors"))

        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/resume/state.json"))) as! [String: Any]
        let stoppedAfter = try #require(state["epoch"] as? Int)
        #expect(stoppedAfter >= 1 && stoppedAfter < 200)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/config.json"))) as! [String: Any]
        #expect((config["training"] as? [String: Any])?["average_epochs"] as? Double == 3, "the recipe records the weight averaging")
        #expect((config["training"] as? [String: Any])?["temperature"] as? Double == 1.5, "the recipe records the loss temperature")
        #expect((config["training"] as? [String: Any])?["label_smoothing"] as? Double == 0.1, "and its label smoothing")

        // Stopped before its end: no Fisher or test pass (minutes on big data), marked incomplete,
        // which add refuses unless asked.
        #expect(config["complete"] as? Bool == false && !seen.contains("computing the diagonal Fisher"), "\(seen)")
        #expect(!FileManager.default.fileExists(atPath: out + "/eval.json") && !FileManager.default.fileExists(atPath: out + "/fisher.safetensors"))
        let home = makeTempFolder()
        let refused = try CLIRunner.run(["add", out, "--tag", "half:v1", "--home", home])
        #expect(refused.status == 65 && refused.stderr.contains("stopped before its end") && refused.stderr.contains("--resume"), "\(refused.stderr)")
        #expect(try CLIRunner.run(["add", out, "--tag", "half:v1", "--home", home, "--allow-incomplete"]).status == 0)

        // --resume takes the recipe from the checkpoint and runs the remaining epochs.
        let resumed = try CLIRunner.run(["train", "--data", folder, "--resume", out])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming \(out) after epoch \(stoppedAfter) of 200"))
        let log = try String(contentsOfFile: out + "/train_log.jsonl", encoding: .utf8)
        #expect(log.split(separator: "\n").count == 200)
        #expect(!FileManager.default.fileExists(atPath: out + "/resume"))
        let finished = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/config.json"))) as! [String: Any]
        #expect(finished["complete"] == nil && FileManager.default.fileExists(atPath: out + "/eval.json"))

        let recommend = try CLIRunner.run(["recommend", out, "--history", "i1,i2", "-k", "3", "--json"])
        #expect(recommend.status == 0, "\(recommend.stderr)")
        #expect(recommend.stdout.contains("\"recommendations\""))
    }

    @Test func badOptionsAreRefusedBeforeAnyWork() throws {
        let (folder, _) = Self.data()
        let loss = try CLIRunner.run(["train", "--data", folder, "--loss", "softmax", "--out", makeTempFolder()])
        #expect(loss.status == 64)
        #expect(loss.stderr.contains("unknown loss 'softmax': use ce, ssm:K, bce[:K]"), "\(loss.stderr)")
        let preset = try CLIRunner.run(["train", "--data", folder, "--preset", "srt-1x1", "--out", makeTempFolder()],
                                       environment: ["SRTHUB_MODELS": CLIRunner.root + "/models"])
        #expect(preset.status == 65)
        #expect(preset.stderr.contains("no preset named 'srt-1x1'"))
        let idTable = try CLIRunner.run(["train", "--data", folder, "--item-encoder", "id", "--item-ids", "--out", makeTempFolder()])
        #expect(idTable.status == 64 && idTable.stderr.contains("'--item-ids' adds an item table to a text encoder"), "\(idTable.stderr)")
        let noOut = try CLIRunner.run(["train", "--data", folder])
        #expect(noOut.status == 64)
        let average = try CLIRunner.run(["train", "--data", folder, "--average-epochs=-1", "--out", makeTempFolder()])
        #expect(average.status == 64 && average.stderr.contains("'--average-epochs' must be zero or positive"), "\(average.stderr)")
        let temperature = try CLIRunner.run(["train", "--data", folder, "--temperature", "0", "--out", makeTempFolder()])
        #expect(temperature.status == 64 && temperature.stderr.contains("'--temperature' must be positive"), "\(temperature.stderr)")
        let fineTuneTemperature = try CLIRunner.run(["finetune", makeTempFolder(), "--data", folder, "--temperature=-1", "--out", makeTempFolder()])
        #expect(fineTuneTemperature.status == 64 && fineTuneTemperature.stderr.contains("'--temperature' must be positive"), "\(fineTuneTemperature.stderr)")
        let smoothing = try CLIRunner.run(["train", "--data", folder, "--label-smoothing", "1", "--out", makeTempFolder()])
        #expect(smoothing.status == 64 && smoothing.stderr.contains("'--label-smoothing' must be at least 0 and below 1"), "\(smoothing.stderr)")
        let dropout = try CLIRunner.run(["train", "--data", folder, "--token-dropout", "1", "--out", makeTempFolder()])
        #expect(dropout.status == 64 && dropout.stderr.contains("'--token-dropout' must be at least 0 and below 1, got 1.0"), "\(dropout.stderr)")
        let fineTuneDropout = try CLIRunner.run(["finetune", makeTempFolder(), "--data", folder, "--token-dropout=-0.1", "--out", makeTempFolder()])
        #expect(fineTuneDropout.status == 64 && fineTuneDropout.stderr.contains("'--token-dropout' must be at least 0 and below 1"), "\(fineTuneDropout.stderr)")
        let idDropout = try CLIRunner.run(["train", "--data", folder, "--item-encoder", "id", "--token-dropout", "0.2", "--out", makeTempFolder()])
        #expect(idDropout.status == 64 && idDropout.stderr.contains("applies to the text item encoder"), "\(idDropout.stderr)")
        let smoothingLoss = try CLIRunner.run(["train", "--data", folder, "--loss", "bce", "--label-smoothing", "0.1", "--out", makeTempFolder()])
        #expect(smoothingLoss.status == 64 && smoothingLoss.stderr.contains("needs the full CE loss (ce), not bce: drop --label-smoothing or use --loss ce"),
                "\(smoothingLoss.stderr)")
        let rounds = try CLIRunner.run(["train", "--data", folder, "--loss", "rece:rounds=0", "--out", makeTempFolder()])
        #expect(rounds.status == 64 && rounds.stderr.contains("rounds must be a whole number from 1 to 128"), "\(rounds.stderr)")
        let fineTuneLoss = try CLIRunner.run(["finetune", makeTempFolder(), "--data", folder, "--loss", "gbce:256,tt=1", "--out", makeTempFolder()])
        #expect(fineTuneLoss.status == 64 && fineTuneLoss.stderr.contains("gbce:256,tt=1"), "\(fineTuneLoss.stderr)")
        // Checked against the catalog once it is read, still before any training.
        let tooMany = try CLIRunner.run(["train", "--data", folder, "--loss", "ce-:100000", "--out", makeTempFolder()])
        #expect(tooMany.status == 64 && tooMany.stderr.contains("use ce-:K with K ≤"), "\(tooMany.stderr)")
        let fineTuneSmoothing = try CLIRunner.run(["finetune", makeTempFolder(), "--data", folder, "--label-smoothing=-0.1", "--out", makeTempFolder()])
        #expect(fineTuneSmoothing.status == 64 && fineTuneSmoothing.stderr.contains("'--label-smoothing' must be at least 0"), "\(fineTuneSmoothing.stderr)")
        let baseMix = try CLIRunner.run(["finetune", makeTempFolder(), "--data", folder, "--base-mix", "0.8,1", "--out", makeTempFolder()])
        #expect(baseMix.status == 64 && baseMix.stderr.contains("got '1' in '0.8,1'"), "\(baseMix.stderr)")
    }
    @Test func multiCatalogMistakesAreRefusedBeforeAnyWork() throws {
        let (folder, preset) = Self.data()
        let twice = try CLIRunner.run(["train", "--data", folder, "--data", folder + "/", "--preset", preset, "--out", makeTempFolder()])
        #expect(twice.status == 64 && twice.stderr.contains("given twice"), "\(twice.stderr)")
        let corpus = makeTempFolder() + "/corpus.json"
        writeFile(corpus, #"{"name": "two", "catalogs": ["../nowhere/shop"]}"#)
        let missing = try CLIRunner.run(["train", "--corpus", corpus, "--preset", preset, "--out", makeTempFolder()])
        #expect(missing.status == 66 && missing.stderr.contains("../nowhere/shop"), "\(missing.stderr)")
        let both = try CLIRunner.run(["train", "--corpus", corpus, "--data", folder, "--out", makeTempFolder()])
        #expect(both.status == 64 && both.stderr.contains("either '--data' or '--corpus'"), "\(both.stderr)")
        let neither = try CLIRunner.run(["train", "--out", makeTempFolder()])
        #expect(neither.status == 64 && neither.stderr.contains("--corpus"), "\(neither.stderr)")
        let map = try CLIRunner.run(["finetune", makeTempFolder(), "--data", folder, "--map-field", "title", "--out", makeTempFolder()])
        #expect(map.status != 0)
    }

    @Test func trainsOnTwoCatalogsFromACorpusFile() throws {
        let (shop, preset) = Self.data()
        let work = makeTempFolder()
        var inter = "user_id:token\titem_id:token\n"
        for u in 0..<40 { for t in 0..<(5 + u % 5) { inter += "u\(u)\ti\((u * 2 + t) % 20)\n" } }
        writeFile(work + "/games/games.inter", inter)
        writeFile(work + "/games/games.item", "item_id:token\ttitle:token_seq\n" + (0..<20).map { "i\($0)\tgame title \($0)\n" }.joined())
        writeFile(work + "/corpus.json", "{\"name\": \"two\", \"catalogs\": [\"games\", \"\(shop)\"]}")
        let out = makeTempFolder() + "/base"
        let run = try CLIRunner.run(["train", "--corpus", work + "/corpus.json", "--preset", preset, "--loss", "ssm:8", "--epochs", "2",
                                     "--vocab-size", "60", "--validation-cases", "20", "--out", out])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("catalog games: 40 users, 20 items") && run.stderr.contains("catalog shop: 60 users, 30 items"), "\(run.stderr)")
        #expect(run.stderr.contains("valid NDCG@10 by catalog: games "), "\(run.stderr)")
        let config = try String(contentsOfFile: out + "/config.json", encoding: .utf8)
        #expect(config.contains("\"dataset\" : \"two\"") && config.contains("\"catalogs\""))
        #expect(config.contains("\"negatives\" : \"catalog\""), "a corpus trains on its batches' own catalogs by default")

        // eval on the corpus ranks each user's target among its own catalog's items, as train's test
        // pass does: the same figures (to 1e-12: the two add the same per-user terms in their own
        // orders, which can move the last bit; one rank moved would move it by ~1e-3), and sampled
        // negatives from the user's catalog.
        let stored = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/eval.json"))) as? [[String: Any]])
        let trainFigure = try #require(stored.first { $0["mode"] as? String == "full, history masked" }?["metrics"] as? [String: Double])["ndcg@10"]
        let eval = try CLIRunner.run(["eval", out, "--corpus", work + "/corpus.json", "--no-save", "--json"])
        #expect(eval.status == 0 && eval.stderr.contains("2 catalogs"), "\(eval.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        let model = try #require((report["rows"] as? [[String: Any]])?.first?["results"] as? [String: [String: Double]])
        let evalFigure = try #require(model["full, history masked"]?["ndcg@10"])
        #expect(abs(evalFigure - (trainFigure ?? -1)) < 1e-12, "\(model) vs \(String(describing: trainFigure))")
        // 25 negatives: more than the games catalog's 20 items allow, so it is refused by that catalog's size.
        let tooMany = try CLIRunner.run(["eval", out, "--data", work + "/games", "--data", shop, "--negatives", "25", "--no-save"])
        #expect(tooMany.status != 0 && tooMany.stderr.contains("this one has 20"), "\(tooMany.stderr)")
        let sampled = try CLIRunner.run(["eval", out, "--data", work + "/games", "--data", shop, "--negatives", "10", "--no-save", "--json"])
        #expect(sampled.status == 0, "\(sampled.stderr)")
    }
}
