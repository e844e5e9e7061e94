import Foundation
import Testing

/// `srthub scaling`: a sweep trains and records a grid (and skips what it recorded), and fit, plot
/// and suggest read the registry's runs.
@Suite(.serialized, .enabled(if: CLIRunner.available, "the srthub executable is not built"))
struct ScalingCommandTests {
    /// Two tiny presets on three fractions of a 60-user shop, 3 epochs each: six runs.
    static func sweep(home: String) throws -> (data: String, args: [String]) {
        let (data, _) = TrainCommandTests.data()
        let work = makeTempFolder()
        writeFile(work + "/s8.json", #"{"name": "s8", "layers": 1, "heads": 1, "hidden": 8, "inner": 16, "max_length": 8}"#)
        writeFile(work + "/s24.json", #"{"name": "s24", "layers": 2, "heads": 2, "hidden": 24, "inner": 48, "max_length": 8}"#)
        let args = ["scaling", "sweep", "--name", "scaling/shop", "--data", data, "--presets", "\(work)/s8.json,\(work)/s24.json",
                    "--fractions", "0.4,0.7,1", "--epochs", "3", "--loss", "ce", "--batch", "16", "--work", work + "/runs", "--home", home]
        return (data, args)
    }

    @Test func aSweepRecordsItsGridOnceAndTheLawsAreFittedPlottedAndUsed() throws {
        let home = makeTempFolder()
        let (data, args) = try Self.sweep(home: home)
        let first = try CLIRunner.run(args)
        #expect(first.status == 0 && first.stdout.contains("6 runs, 6 added now"), "\(first.stdout)\(first.stderr)")
        let again = try CLIRunner.run(args)
        #expect(again.status == 0 && again.stdout.contains("0 added now, 6 recorded before") && again.stderr.contains("skipped"), "\(again.stdout)")
        // The users' samples nest and are recorded: a smaller fraction trained on fewer interactions.
        let list = try CLIRunner.run(["list", "--home", home])
        #expect(list.stdout.contains("scaling/shop:s8-f0.4") && list.stdout.contains("scaling/shop:s24-f1.0"), "\(list.stdout)")

        let fit = try CLIRunner.run(["scaling", "fit", "--name", "scaling/shop", "--bootstrap", "20", "--json", "--home", home])
        #expect(fit.status == 0, "\(fit.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(fit.stdout.utf8)) as? [String: Any])
        let result = try #require(report["fit"] as? [String: Any])
        #expect(report["schema"] as? String == "srthub.scaling-fit.v1" && result["runs"] as? Int == 6)
        let law = try #require((result["parameter_data"] as? [String: Any])?["law"] as? [String: Double], "\(result.keys)")
        #expect(law["alpha"].map { $0 > 0 } == true && law["e"].map { $0 >= 0 } == true, "\(law)")
        // Six runs: leaving the two largest out leaves four, too few to fit five coefficients, so none is predicted.
        #expect((result["held_out"] as? [Any])?.isEmpty == true, "\(result)")
        let text = try CLIRunner.run(["scaling", "fit", "--name", "scaling/shop", "--bootstrap", "20", "--home", home])
        #expect(text.stdout.contains("Eq. 4") && text.stdout.contains("paper 0.3760") && text.stdout.contains("Eq. 3"), "\(text.stdout)")

        // Eq. 4 on another metric: each run's stored test evaluation (train stores it), or a refusal naming the missing one.
        let test = try CLIRunner.run(["scaling", "fit", "--name", "scaling/shop", "--metric", "ndcg@10", "--bootstrap", "20", "--json", "--home", home])
        #expect(test.status == 0 && test.stdout.contains("ndcg@10 of each run's stored test evaluation (full, history masked)"), "\(test.stdout)\(test.stderr)")
        #expect(test.stdout != fit.stdout)
        let sampled = try CLIRunner.run(["scaling", "fit", "--name", "scaling/shop", "--metric", "ndcg@5", "--mode", "sampled 10000 uniform, history masked", "--home", home])
        #expect(sampled.status != 0 && sampled.stderr.contains("run scaling/shop:s") && sampled.stderr.contains("has no stored ndcg@5") && sampled.stderr.contains("--negatives 10000"), "\(sampled.stderr)")
        // The same metric on the validation split, once every run is evaluated there on its own users:
        // the fit takes those, and the test split, which holds no such evaluation, still refuses.
        for preset in ["s8", "s24"] {
            for fraction in ["0.4", "0.7", "1.0"] {
                let eval = try CLIRunner.run(["eval", "scaling/shop:\(preset)-f\(fraction)", "--data", data, "--users-fraction", fraction,
                                              "--validation", "--negatives", "20", "--masking", "masked", "--home", home])
                #expect(eval.status == 0, "\(eval.stderr)")
            }
        }
        let mode = "sampled 20 uniform, history masked"
        let onValidation = try CLIRunner.run(["scaling", "fit", "--name", "scaling/shop", "--metric", "ndcg@5", "--mode", mode, "--split", "validation",
                                              "--bootstrap", "20", "--json", "--home", home])
        #expect(onValidation.status == 0 && onValidation.stdout.contains("ndcg@5 of each run's stored validation evaluation"), "\(onValidation.stdout)\(onValidation.stderr)")
        let onTest = try CLIRunner.run(["scaling", "fit", "--name", "scaling/shop", "--metric", "ndcg@5", "--mode", mode, "--home", home])
        #expect(onTest.status != 0 && onTest.stderr.contains("on its own data's test split"), "\(onTest.stderr)")

        let out = makeTempFolder() + "/figures"
        let plot = try CLIRunner.run(["scaling", "plot", "--name", "scaling/shop", "--bootstrap", "20", "--out", out, "--home", home])
        #expect(plot.status == 0, "\(plot.stderr)")
        for name in ["fig4-by-parameters.svg", "fig4-by-interactions.svg", "fig5-envelope.svg", "fig6-compute-law.svg"] {
            let svg = (try? String(contentsOfFile: out + "/" + name, encoding: .utf8)) ?? ""
            #expect(svg.hasPrefix("<svg") && svg.contains("FLOPs (log)") && svg.contains("polyline") || svg.contains("circle"), "\(name)")
        }
        let suggest = try CLIRunner.run(["scaling", "suggest", "--name", "scaling/shop", "--flops", "1e30", "--bootstrap", "20", "--home", home])
        #expect(suggest.status == 0 && suggest.stdout.contains("EXTRAPOLATION") && suggest.stdout.contains("best: s"), "\(suggest.stdout)\(suggest.stderr)")
        let minutes = try CLIRunner.run(["scaling", "suggest", "--name", "scaling/shop", "--minutes", "0.01", "--bootstrap", "20", "--json", "--home", home])
        #expect(minutes.status == 0 && minutes.stdout.contains("flops_per_second"), "\(minutes.stderr)")
    }

    /// Ctrl-C in a run stops the sweep with 130 and a resumable run; the same command again goes on
    /// from that run's last epoch and records it once.
    @Test func aStoppedSweepResumesItsRun() throws {
        let home = makeTempFolder()
        let (data, _) = TrainCommandTests.data()
        let work = makeTempFolder()
        writeFile(work + "/s8.json", #"{"name": "s8", "layers": 1, "heads": 1, "hidden": 8, "inner": 16, "max_length": 8}"#)
        let args = ["scaling", "sweep", "--name", "scaling/stop", "--data", data, "--presets", work + "/s8.json", "--fractions", "1",
                    "--epochs", "60", "--loss", "ce", "--batch", "16", "--work", work + "/runs", "--home", home]
        let stopped = try CLIRunner.stop(args, with: SIGINT)
        #expect(stopped.status == 130 && stopped.stderr.contains("run the same command again"), "\(stopped.stderr)")
        #expect(FileManager.default.fileExists(atPath: work + "/runs/s8-f1.0/resume"))
        let again = try CLIRunner.run(args)
        #expect(again.status == 0 && again.stderr.contains("resuming") && again.stdout.contains("1 added now"), "\(again.stderr)")
        let log = try String(contentsOfFile: work + "/runs/s8-f1.0/train_log.jsonl", encoding: .utf8)
        #expect(log.split(separator: "\n").count == 60, "one run of 60 epochs, not two")
    }

    @Test func fitsRefuseTooFewRunsAndAMixOfDatasets() throws {
        let home = makeTempFolder()
        let (data, _) = TrainCommandTests.data()
        let work = makeTempFolder()
        writeFile(work + "/s8.json", #"{"name": "s8", "layers": 1, "heads": 1, "hidden": 8, "inner": 16, "max_length": 8}"#)
        let small = try CLIRunner.run(["scaling", "sweep", "--name", "scaling/few", "--data", data, "--presets", work + "/s8.json",
                                       "--fractions", "0.5,1", "--epochs", "2", "--loss", "ce", "--batch", "16", "--work", work + "/runs", "--home", home])
        #expect(small.status == 0, "\(small.stderr)")
        let few = try CLIRunner.run(["scaling", "fit", "--name", "scaling/few", "--home", home])
        #expect(few.status != 0 && few.stderr.contains("2 runs") && few.stderr.contains("at least 6"), "\(few.stderr)")
        let none = try CLIRunner.run(["scaling", "fit", "--name", "scaling/none", "--home", home])
        #expect(none.status != 0 && none.stderr.contains("scaling sweep"), "\(none.stderr)")
        // A run of another dataset tagged into the sweep.
        let (other, _) = TrainCommandTests.data()
        let renamed = makeTempFolder() + "/other-shop"
        try FileManager.default.moveItem(atPath: other, toPath: renamed)
        try FileManager.default.moveItem(atPath: renamed + "/shop.inter", toPath: renamed + "/other-shop.inter")
        try FileManager.default.moveItem(atPath: renamed + "/shop.item", toPath: renamed + "/other-shop.item")
        #expect(try CLIRunner.run(["train", "--data", renamed, "--preset", work + "/s8.json", "--epochs", "1", "--out", work + "/o"]).status == 0)
        #expect(try CLIRunner.run(["add", work + "/o", "--tag", "scaling/few:intruder", "--home", home]).status == 0)
        let mixed = try CLIRunner.run(["scaling", "fit", "--name", "scaling/few", "--home", home])
        #expect(mixed.status != 0 && mixed.stderr.contains("different datasets"), "\(mixed.stderr)")
        let bad = try CLIRunner.run(["scaling", "sweep", "--name", "x", "--data", data, "--presets", "srt-64x2", "--fractions", "0,1.5"])
        #expect(bad.status != 0 && bad.stderr.contains("--fractions"))
    }
}
