import ArgumentParser
import Testing
@testable import SRTCommands

/// What a user meets first: grouped help, examples that fit an 80-column terminal (help wraps
/// longer lines mid-command), and a suggestion for a mistyped command.
@Suite struct HelpTests {
    static func allCommands(_ command: ParsableCommand.Type = SRTHub.self, path: String = "srthub") -> [(String, ParsableCommand.Type)] {
        [(path, command)] + command.configuration.subcommands.flatMap { allCommands($0, path: path + " " + $0._commandName) }
    }

    @Test func examplesFitEightyColumns() {
        for (path, command) in Self.allCommands() {
            // Help indents the discussion by 2 columns.
            let long = command.configuration.discussion.split(separator: "\n")
                .filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("srthub ") && $0.count + 2 > 80 }
            #expect(long.isEmpty, "\(path): \(long.map { "\($0.count + 2): \($0)" })")
        }
    }

    @Test func helpGroupsTheCommands() {
        let help = SRTHub.helpMessage(columns: 100)
        for group in ["DATA AND MODELS SUBCOMMANDS", "LOCAL REGISTRY SUBCOMMANDS", "HUB SUBCOMMANDS"] { #expect(help.contains(group), "\(help)") }
    }

    /// Each flag means one thing everywhere: eval's masking and cutoffs no longer share --history
    /// and -k with recommend's history and top-K, nor recommend's file of histories --batch with
    /// train's batch size.
    @Test func flagsMeanOneThingEverywhere() throws {
        let eval = try #require(try SRTHub.parseAsRoot(["eval", "ckpt", "--data", "d", "--masking", "masked", "--cutoffs", "5,10"]) as? Eval)
        #expect(eval.history == .masked && eval.ks == [5, 10])
        let recommend = try #require(try SRTHub.parseAsRoot(["recommend", "ckpt", "--histories", "h.txt", "-k", "3"]) as? Recommend)
        #expect(recommend.batch == "h.txt" && recommend.k == 3)
        #expect(throws: (any Error).self) { try SRTHub.parseAsRoot(["eval", "ckpt", "--data", "d", "--history", "masked"]) }
        #expect(throws: (any Error).self) { try SRTHub.parseAsRoot(["recommend", "ckpt", "--batch", "h.txt"]) }
    }

    @Test func aMistypedCommandGetsTheClosestOne() {
        #expect(SRTHub.suggestion(for: "trian") == "train")
        #expect(SRTHub.suggestion(for: "pul") == "pull")
        #expect(SRTHub.suggestion(for: "fintune") == "finetune")
        #expect(SRTHub.suggestion(for: "train") == nil && SRTHub.suggestion(for: "ls") == nil && SRTHub.suggestion(for: "--help") == nil)
        #expect(SRTHub.suggestion(for: "xyzzyq") == nil, "nothing close: the parser's own error")
    }
}

/// Transfer progress: no projection before a rate is known.
@Suite struct TransferDisplayTests {
    @Test func etaWaitsForARate() {
        #expect(TransferDisplay.rate(done: 0, total: 100, elapsed: 5) == "0%  ETA –")
        #expect(TransferDisplay.rate(done: 10, total: 100, elapsed: 0.2) == "10%  ETA –")
        #expect(TransferDisplay.rate(done: 50_000_000, total: 100_000_000, elapsed: 2).hasSuffix("ETA 2 s"))
    }
}

/// Tables: text columns and their headers left-aligned, numbers and theirs right-aligned (list's
/// DIGEST and CREATED headers sat right of their values).
@Suite struct TextTableTests {
    @Test func headersSitWithTheirColumns() {
        var table = TextTable(header: ["NAME", "DIGEST", "SIZE", "CREATED", "NDCG"])
        table.rows = [["shop:v1", "7eeab59c1c4f", "30.0 MB", "2026-12-05T17:44:08", "0.0299"],
                      ["a-much-longer-name:v2", "0123456789ab", "1.5 kB", "2026-12-05T17:44:09", "–"]]
        let lines = table.render().split(separator: "\n").map(String.init)
        func start(_ s: String, _ line: String) -> Int { line.distance(from: line.startIndex, to: line.range(of: s)!.lowerBound) }
        func end(_ s: String, _ line: String) -> Int { start(s, line) + s.count }
        #expect(start("DIGEST", lines[0]) == start("7eeab59c1c4f", lines[1]) && start("CREATED", lines[0]) == start("2026-12-05T17:44:08", lines[1]))
        #expect(end("SIZE", lines[0]) == end("30.0 MB", lines[1]) && end("NDCG", lines[0]) == end("0.0299", lines[1]))
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") })
    }
}
