import Foundation
import SRTTraining

/// Renders training events on stderr: a live line (epoch, step, loss, targets/s, ETA) on a
/// terminal, and one line per epoch either way. Ctrl-C (SIGINT) or SIGTERM (`kill`, `timeout`, a job
/// scheduler) asks the trainer to stop after the current step; the best weights so far are then written.
final class ProgressDisplay: @unchecked Sendable {
    var total: Int
    /// "stage 2/3 " while fine-tuning.
    var stage = ""
    let terminal = isatty(2) == 1
    var started = Date()
    /// The signals that stop a run cleanly instead of killing it.
    static let stopSignals = [SIGINT, SIGTERM]
    /// The stopping signal received (0: none).
    nonisolated(unsafe) static var stopSignal: Int32 = 0
    static var interrupted: Bool { stopSignal != 0 }
    /// The exit status of a stopped run, 128 + the signal, as the shell reports a killed command.
    static var interruptedExitStatus: Int32 { 128 + stopSignal }
    private var reportedInterrupt = false

    init(total: Int) {
        self.total = total
        Self.installStopHandlers()
    }

    /// The first Ctrl-C (or SIGTERM) asks for a clean stop; a second one stops at once.
    static func installStopHandlers() {
        for stop in stopSignals {
            signal(stop) { received in
                if ProgressDisplay.stopSignal != 0 { _exit(128 + received) }
                ProgressDisplay.stopSignal = received
            }
        }
    }

    func handle(_ event: TrainingEvent) -> TrainingControl {
        switch event {
        case .note(let text):
            clearLine()
            printError("srthub: \(text)")
        case .step(let epoch, let step, let steps, let loss, let rate):
            if epoch == 1 && step == 1 { started = Date() }  // a new run (eval trains baselines one after another)
            if terminal && (step % 5 == 0 || step == steps) {
                let done = Double(epoch - 1) + Double(step) / Double(steps)
                let eta = Date().timeIntervalSince(started) / done * (Double(total) - done)
                write("\r\(stage)epoch \(epoch)/\(total) step \(step)/\(steps)  loss \(String(format: "%.4f", loss))  \(Int(rate)) targets/s  ETA ≤ \(duration(eta))   ")
            }
        case .run(let label):
            stage = label + " "
        case .stage(let number, let count, let description, let epochs):
            clearLine()
            printError("srthub: stage \(number)/\(count): \(description), up to \(epochs) epochs")
            stage = "stage \(number)/\(count) "
            total = epochs
        case .epoch(let e):
            clearLine()
            let penalty = e.penalty.map { "  ewc \(String(format: "%.2e", $0))" } ?? ""
            let catalogs = (e.validationByCatalog ?? [:]).sorted { $0.key < $1.key }
                .map { "\($0.key) \(String(format: "%.4f", $0.value))" }.joined(separator: ", ")
            if !catalogs.isEmpty { printError("\(stage)epoch \(e.epoch): valid NDCG@10 by catalog: \(catalogs)") }
            printError("\(stage)epoch \(e.epoch): loss \(String(format: "%.4f", e.trainLoss))\(penalty)  valid NDCG@10 \(String(format: "%.4f", e.validationNDCG10))\(e.validationUnmaskedNDCG10.map { String(format: " (unmasked %.4f)", $0) } ?? "")\(e.best ? " *" : "")  \(String(format: "%.1f", e.seconds)) s  \(Int(Double(e.targets) / e.seconds)) targets/s")
        }
        if Self.interrupted {
            if !reportedInterrupt {
                clearLine()
                printError("srthub: interrupted: stopping and writing the best weights so far (continue with --resume)")
                reportedInterrupt = true
            }
            return .stop
        }
        return .proceed
    }

    func finish() {
        clearLine()
        for stop in Self.stopSignals { signal(stop, SIG_DFL) }
    }

    private func clearLine() { if terminal { write("\r\u{1B}[K") } }
    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
    private func duration(_ s: Double) -> String { s < 120 ? "\(Int(s)) s" : "\(Int(s / 60)) min" }
}
