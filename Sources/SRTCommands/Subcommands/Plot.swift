import ArgumentParser
import Foundation
import SRTTraining

struct Plot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a checkpoint's training curves (validation NDCG@10 and loss per epoch) as SVG.",
        discussion: """
            Reads the checkpoint's train_log.jsonl, which travels with it through add, push and pull. \
            Fine-tuning stages are separated and named; the kept (best) epoch is marked.

            Examples:
              srthub plot runs/beauty-ft --out beauty-ft.svg
              srthub plot team/srt-64x4:v1 --out base.svg
            """)

    @Argument(help: "Checkpoint: a folder, or a reference to a checkpoint in the registry.") var checkpoint: String
    @Option(help: "SVG file to write.") var out: String
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let location = try CheckpointLocation(checkpoint, home: home)
        let path = location.folder + "/train_log.jsonl"
        let epochs: [EpochSummary] = try Failure.reporting {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw TrainingError.badCheckpoint("\(checkpoint) has no train_log.jsonl (a checkpoint added before srthub kept it as a layer has none): nothing to plot")
            }
            return try text.split(separator: "\n").enumerated().map { (number, line) in
                do { return try JSONDecoder().decode(EpochSummary.self, from: Data(line.utf8)) } catch {
                    throw TrainingError.badCheckpoint("\(path), line \(number + 1): not an epoch record (\(error))")
                }
            }
        }
        guard !epochs.isEmpty else { throw Failure.report(TrainingError.badCheckpoint("\(path) has no epochs: nothing to plot")) }
        let title = "\(checkpoint): \(epochs.count) epochs"
        try Failure.reporting {
            do { try Data(CurvePlot(title: title, epochs: epochs).svg.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                throw TrainingError.cannotWrite("--out \(out): \(error.localizedDescription)")
            }
        }
        if home.json { return try printJSON(["svg": out, "epochs": "\(epochs.count)"]) }
        print("wrote \(out) (\(epochs.count) epochs)")
    }
}
