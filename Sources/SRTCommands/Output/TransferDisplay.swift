import Foundation
import SRTClient
import SRTOCI

/// One progress line for a push or pull on a terminal (bytes, speed, ETA), redrawn at most 10
/// times a second; off a terminal (a CI log), one line per blob moved; nothing when --quiet or --json.
final class TransferDisplay: @unchecked Sendable {
    let verb: String
    let enabled: Bool
    let lines: Bool
    let started = Date()
    private var last = Date.distantPast

    init(verb: String, quiet: Bool) {
        self.verb = verb
        enabled = !quiet && isatty(2) == 1
        lines = !quiet && isatty(2) != 1
    }

    func update(_ p: TransferProgress) {
        if lines, let blob = p.finished {
            FileHandle.standardError.write(Data("\(verb) \(blob.digest.short) \(megabytes(blob.size))  (\(megabytes(p.done)) of \(megabytes(p.total)))\n".utf8))
        }
        guard enabled, Date().timeIntervalSince(last) > 0.1 || p.done == p.total else { return }
        last = Date()
        let line = "\r\(verb) \(megabytes(p.done)) / \(megabytes(p.total))  \(Self.rate(done: p.done, total: p.total, elapsed: Date().timeIntervalSince(started)))   "
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// "42%  12.5 MB/s  ETA 8 s", with "ETA –" until a second of transfer gives a rate worth projecting.
    static func rate(done: Int, total: Int, elapsed: Double) -> String {
        let percent = total > 0 ? Int(Double(done) / Double(total) * 100) : 100
        guard elapsed >= 1, done > 0 else { return "\(percent)%  ETA –" }
        let speed = Double(done) / elapsed
        return "\(percent)%  \(megabytes(Int(speed)))/s  ETA \(Int(Double(total - done) / speed)) s"
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
