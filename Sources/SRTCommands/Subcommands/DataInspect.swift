import ArgumentParser
import Foundation
import SRTData

struct DataInspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a dataset: size, sequence lengths, text coverage, split, fingerprint.",
        discussion: """
            PATH is a folder with NAME.inter and NAME.item (RecBole atomic files), a folder with \
            interactions.csv|tsv|jsonl and items.csv|tsv|jsonl, or an interactions file. \
            Columns: user_id, item_id, optional timestamp; item files: item_id plus text fields.

            Examples:
              srthub data inspect .cache/ml-100k
              srthub data inspect ../shared/datasets/amazon-beauty --json
              srthub data inspect .cache/ml-100k --protocol temporal --quantile 0.9
            """)

    @Argument(help: "Dataset folder or interactions file.")
    var path: String

    @OptionGroup var data: DataOptions
    @OptionGroup var split: SplitOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    struct Report: Encodable {
        let statistics: DatasetStatistics
        let split: SplitSummary
    }

    struct SplitSummary: Encodable {
        let protocolName: String
        let trainUsers: Int
        let trainInteractions: Int
        let validationCases: Int
        let testCases: Int
        let cutoff: Double?
        let droppedTestUsers: Int

        enum CodingKeys: String, CodingKey {
            case protocolName = "protocol", trainUsers = "train_users", trainInteractions = "train_interactions"
            case validationCases = "validation_cases", testCases = "test_cases", cutoff
            case droppedTestUsers = "dropped_test_users"
        }
    }

    func run() async throws {
        let report = try Failure.reporting {
            let dataset = try DatasetLoader.load(path, options: data.loadOptions)
            let split = try dataset.split(split.splitProtocol)
            return Report(
                statistics: DatasetStatistics(dataset),
                split: SplitSummary(
                    protocolName: "\(split.splitProtocol)", trainUsers: split.train.count,
                    trainInteractions: split.trainInteractions, validationCases: split.validation.count,
                    testCases: split.test.count, cutoff: split.cutoff, droppedTestUsers: split.droppedTestUsers))
        }
        if json { try printJSON(report) } else { print(render(report)) }
    }

    func render(_ report: Report) -> String {
        let s = report.statistics, q = s.sequenceLength
        var lines = [
            "dataset       \(s.name)",
            "users         \(grouped(s.users))",
            "items         \(grouped(s.items))",
            "interactions  \(grouped(s.interactions))",
            "timestamps    \(s.hasTimestamps ? "yes" : "no (file order per user is time order)")",
            "seq. length   min \(q["p0"] ?? 0) · p25 \(q["p25"] ?? 0) · median \(q["p50"] ?? 0) · p75 \(q["p75"] ?? 0) · p90 \(q["p90"] ?? 0) · p99 \(q["p99"] ?? 0) · max \(q["p100"] ?? 0) · mean \(String(format: "%.1f", s.meanSequenceLength))",
        ]
        let coverage = s.textCoverage.map { "\($0.field) \(percent($0.fraction))" }.joined(separator: " · ")
        lines.append("text fields   " + (coverage.isEmpty ? "none" : coverage))
        if s.itemsWithoutText > 0 { lines.append("no text row   \(grouped(s.itemsWithoutText)) items (encoded from empty text)") }
        let sp = report.split
        var splitLine = "split         \(sp.protocolName): \(grouped(sp.trainUsers)) training users (\(grouped(sp.trainInteractions)) interactions), \(grouped(sp.validationCases)) validation and \(grouped(sp.testCases)) test cases"
        if let cutoff = sp.cutoff { splitLine += ", cutoff \(cutoff)" }
        if sp.droppedTestUsers > 0 { splitLine += ", \(grouped(sp.droppedTestUsers)) test users dropped (< 3 items after the cutoff)" }
        lines.append(splitLine)
        lines.append("fingerprint   \(s.fingerprint)")
        return lines.joined(separator: "\n")
    }
}
