import Foundation
import SRTClient

/// One progress line for a push or pull on a terminal (bytes, speed, ETA), redrawn at most 10
/// times a second; nothing when --quiet, --json or not a terminal.
final class TransferDisplay: @unchecked Sendable {
    let verb: String
    let enabled: Bool
    let started = Date()
    private var last = Date.distantPast

    init(verb: String, quiet: Bool) {
        self.verb = verb
        enabled = !quiet && isatty(2) == 1
    }

    func update(_ p: TransferProgress) {
        guard enabled, Date().timeIntervalSince(last) > 0.1 || p.done == p.total else { return }
        last = Date()
        let elapsed = max(Date().timeIntervalSince(started), 1e-3)
        let speed = Double(p.done) / elapsed
        let eta = speed > 0 ? Double(p.total - p.done) / speed : 0
        let percent = p.total > 0 ? Int(Double(p.done) / Double(p.total) * 100) : 100
        let line = "\r\(verb) \(megabytes(p.done)) / \(megabytes(p.total))  \(percent)%  \(megabytes(Int(speed)))/s  ETA \(Int(eta)) s   "
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
