import Foundation
import Testing

@Suite(.enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct DataInspectCommandTests {
    static func fixture() -> String {
        let folder = makeTempFolder() + "/shop"
        writeFile(folder + "/shop.inter", "user_id:token\titem_id:token\ttimestamp:float\nu1\ta\t1\nu1\tb\t2\nu1\tc\t3\nu2\tb\t1\nu2\tc\t5\nu2\ta\t6\n")
        writeFile(folder + "/shop.item", "item_id:token\ttitle:token_seq\na\tAlpha\nb\tBeta\nc\t\n")
        return folder
    }

    @Test func jsonReportHasCountsSplitAndFingerprint() throws {
        let result = try CLIRunner.run(["data", "inspect", Self.fixture(), "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let stats = try #require(json["statistics"] as? [String: Any])
        #expect(stats["users"] as? Int == 2)
        #expect(stats["items"] as? Int == 3)
        #expect(stats["interactions"] as? Int == 6)
        #expect((stats["fingerprint"] as? String)?.hasPrefix("sha256:") == true)
        let coverage = try #require((stats["text_coverage"] as? [[String: Any]])?.first)
        #expect(coverage["items_with_text"] as? Int == 2)
        let split = try #require(json["split"] as? [String: Any])
        #expect(split["test_cases"] as? Int == 2)
        #expect(split["train_interactions"] as? Int == 2)
    }

    @Test func textReportIsReadable() throws {
        let result = try CLIRunner.run(["data", "inspect", Self.fixture()])
        #expect(result.status == 0)
        #expect(result.stdout.contains("users         2"))
        #expect(result.stdout.contains("title 66.7%"))
        #expect(result.stdout.contains("leave-one-out"))
    }

    @Test func badInputExitsWithDataErrorAndLocation() throws {
        let folder = makeTempFolder() + "/bad"
        writeFile(folder + "/bad.inter", "user_id:token\titem_id:token\nu1\ta\nu2\n")
        let result = try CLIRunner.run(["data", "inspect", folder])
        #expect(result.status == 65)
        #expect(result.stderr.contains("error: "))
        #expect(result.stderr.contains("bad.inter:3"))
        #expect(result.stdout.isEmpty)
    }

    @Test func missingPathExitsWithNoInput() throws {
        let result = try CLIRunner.run(["data", "inspect", "/nonexistent/srthub"])
        #expect(result.status == 66)
        #expect(result.stderr.contains("no such file or directory"))
    }

    @Test func temporalSplitWithoutTimestampsSaysSo() throws {
        let folder = makeTempFolder() + "/nots"
        writeFile(folder + "/nots.inter", "user_id:token\titem_id:token\nu1\ta\nu1\tb\nu1\tc\n")
        writeFile(folder + "/nots.item", "item_id:token\ttitle:token_seq\na\tA\nb\tB\nc\tC\n")
        let result = try CLIRunner.run(["data", "inspect", folder, "--protocol", "temporal"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("needs timestamps"))
    }

    @Test func presetsAreListed() throws {
        let result = try CLIRunner.run(["presets", "--json"], environment: ["SRTHUB_MODELS": CLIRunner.root + "/models"])
        #expect(result.status == 0)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let files = try FileManager.default.contentsOfDirectory(atPath: CLIRunner.root + "/models").filter { $0.hasSuffix(".json") }
        #expect(list.count == files.count && files.count >= 8, "every models/*.json, the SRT paper's Table 3 and the extras")
        #expect(list.first?["name"] as? String == "srt-16x2", "smallest first")
    }

    @Test func helpListsTheCommands() throws {
        let result = try CLIRunner.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("data"))
        #expect(result.stdout.contains("presets"))
    }
}
