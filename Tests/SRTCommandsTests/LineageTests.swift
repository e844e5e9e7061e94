import Foundation
import Testing

/// A fine-tune names its base as anyone can find it: by the digest the base has in any registry,
/// and by a remote's name pinned to that digest when it came from one; never by a local path (a
/// fine-tune of a folder once recorded only the path, so `log` showed no parent) or a local tag.
@Suite(.enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct LineageTests {
    static func config(_ folder: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/config.json"))) as? [String: Any])
    }

    static func finetune(_ base: String, data: String, home: String) throws -> String {
        let out = makeTempFolder() + "/ft"
        let run = try CLIRunner.run(["finetune", base, "--data", data, "--final-epochs", "1", "--probe-epochs", "0", "--batch", "8",
                                     "--out", out, "--home", home])
        #expect(run.status == 0, "\(run.stderr)")
        return out
    }

    @Test func aFolderBaseIsRecordedByTheDigestAddGivesIt() throws {
        let (data, base) = try EvalCommandTests.trained()
        let home = makeTempFolder()
        let child = try Self.finetune(base, data: data, home: home)
        let parent = try #require(try Self.config(child)["parent"] as? [String: Any])
        #expect(parent["reference"] == nil, "no local path: \(parent)")
        let fineTuning = try #require(try Self.config(child)["fine_tuning"] as? [String: Any])
        #expect(!(fineTuning["base"] as? String ?? "/").contains("/"), "\(fineTuning)")

        // Added afterwards (or pulled by someone else), the base has exactly that digest, and log follows it.
        let added = try CLIRunner.run(["add", base, "--tag", "base:v1", "--home", home, "--json"])
        let digest = try #require((try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])?["digest"] as? String)
        #expect(parent["digest"] as? String == digest)
        #expect(try CLIRunner.run(["add", child, "--tag", "shop:ft", "--home", home]).status == 0)
        let log = try CLIRunner.run(["log", "shop:ft", "--home", home])
        #expect(log.stdout.contains("from \(digest.dropFirst(7).prefix(12))") && log.stdout.contains("base:v1"), "\(log.stdout)")
        let card = try CLIRunner.run(["show", "shop:ft", "--card", "--home", home])
        #expect(card.stdout.contains("base_model: \(digest)\n") && card.stdout.contains("base_model_relation: finetune"), "\(card.stdout)")
    }

    @Test func aBaseKnownUnderARemotesNameIsRecordedByThatNamePinnedToItsDigest() throws {
        let (data, base) = try EvalCommandTests.trained()
        let home = makeTempFolder()
        let added = try CLIRunner.run(["add", base, "--tag", "base:local", "--home", home, "--json"])
        let digest = try #require((try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])?["digest"] as? String)

        // Only a local tag: the digest alone names the base.
        let local = try #require(try Self.config(try Self.finetune("base:local", data: data, home: home))["parent"] as? [String: Any])
        #expect(local["digest"] as? String == digest && local["reference"] == nil, "\(local)")

        // The same model under a remote's name (as pull tags it): that name, pinned to the digest.
        #expect(try CLIRunner.run(["add", base, "--tag", "hub.example.com:5000/team/base:v1", "--home", home]).status == 0)
        let child = try Self.finetune("base:local", data: data, home: home)
        let remote = try #require(try Self.config(child)["parent"] as? [String: Any])
        #expect(remote["reference"] as? String == "hub.example.com:5000/team/base@\(digest)", "\(remote)")
        #expect(try CLIRunner.run(["add", child, "--tag", "shop:ft", "--home", home]).status == 0)
        let card = try CLIRunner.run(["show", "shop:ft", "--card", "--home", home])
        #expect(card.stdout.contains("base_model: hub.example.com:5000/team/base@\(digest)\n"), "\(card.stdout)")
    }
}
