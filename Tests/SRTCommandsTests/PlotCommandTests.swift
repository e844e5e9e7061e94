import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// `srthub plot`: a checkpoint's training curves as SVG, stages named; train_log.jsonl travels with
/// the checkpoint as a layer, so a checkpoint from the registry plots too.
@Suite(.enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct PlotCommandTests {
    @Test func aFineTuneStagesAreRecordedTravelAndArePlotted() throws {
        let (data, base) = try EvalCommandTests.trained()
        let work = makeTempFolder()
        let finetune = try CLIRunner.run(["finetune", base, "--data", data, "--stages", "progressive", "--epochs-per-layer", "2",
                                          "--final-epochs", "3", "--ewc", "0", "--probe-epochs", "0", "--batch", "8", "--out", work + "/ft"])
        #expect(finetune.status == 0, "\(finetune.stderr)")
        let log = try String(contentsOfFile: work + "/ft/train_log.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let stages = log.compactMap { $0["stage"] as? String }
        #expect(stages.count == log.count && Set(stages).count == 2, "one stage per epoch, two stages (top 1 layer, then everything): \(stages)")

        // Through the registry: add, then plot by name (a checkout of what was stored).
        let home = makeTempFolder()
        #expect(try CLIRunner.run(["add", work + "/ft", "--tag", "shop-ft:v1", "--home", home]).status == 0)
        let plot = try CLIRunner.run(["plot", "shop-ft:v1", "--out", work + "/curves.svg", "--home", home])
        #expect(plot.status == 0, "\(plot.stderr)")
        let svg = try XMLDocument(contentsOf: URL(fileURLWithPath: work + "/curves.svg"))
        let series = try svg.nodes(forXPath: "//*[local-name()='polyline']")
        #expect(series.count == 3, "validation masked and unmasked, and the loss")
        let firstSeries = try series.first?.nodes(forXPath: "@points").first?.stringValue ?? ""
        #expect(firstSeries.split(separator: " ").count == log.count, "one point per epoch")
        let stageLines = try svg.nodes(forXPath: "//*[local-name()='line'][@class='stage']")
        #expect(stageLines.count == 2)
        let text = try svg.nodes(forXPath: "//*[local-name()='text']").compactMap(\.stringValue)
        for stage in Set(stages) { #expect(text.contains { $0.hasSuffix(": " + stage) }, "stage '\(stage)' is named") }
        #expect(text.contains { $0.hasPrefix("best ") })
    }

    @Test func aCheckpointWithoutATrainingLogIsAClearError() throws {
        let (_, checkpoint) = try EvalCommandTests.trained()
        try FileManager.default.removeItem(atPath: checkpoint + "/train_log.jsonl")
        let plot = try CLIRunner.run(["plot", checkpoint, "--out", makeTempFolder() + "/x.svg"])
        #expect(plot.status != 0 && plot.stderr.contains("has no train_log.jsonl"), "\(plot.stderr)")
    }
}
