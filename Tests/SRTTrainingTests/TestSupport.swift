import Foundation
@testable import SRTTraining

extension CheckpointConfig {
    /// The config.json of a checkpoint folder.
    static func read(_ checkpoint: String) throws -> CheckpointConfig {
        try JSONDecoder().decode(CheckpointConfig.self, from: Data(contentsOf: URL(fileURLWithPath: checkpoint + "/config.json")))
    }
}

extension FineTuneRun {
    /// Runs a fine-tune to the end and returns its report with every note it printed.
    static func runCollectingNotes(_ request: FineTuneRequest) throws -> (report: TrainReport, notes: [String]) {
        var notes: [String] = []
        let report = try run(request) { event in
            if case .note(let text) = event { notes.append(text) }
            return .proceed
        }
        return (report, notes)
    }
}
