import Foundation
import Testing

/// The model card (README.md layer) as a hub reads it: YAML front matter that parses (PyYAML here)
/// whatever the model's name holds, with the license, readable dataset names, and results whose
/// task, split, revision (the data's fingerprint) and metric names are set; a fine-tune keeps its
/// base's license unless told otherwise.
@Suite(.enabled(if: CLIRunner.available && PythonPeers.yaml, "srthub is not built, or Python has no yaml module (pip install pyyaml)"))
struct ModelCardTests {
    func frontMatter(_ reference: String, home: String, stored: Bool = false) throws -> [String: Any] {
        let card = try CLIRunner.run(["show", reference, "--card", "--json", "--home", home] + (stored ? ["--stored"] : []))
        #expect(card.status == 0, "\(card.stderr)")
        let markdown = try #require((try JSONSerialization.jsonObject(with: Data(card.stdout.utf8)) as? [String: Any])?["markdown"] as? String)
        let work = makeTempFolder()
        writeFile(work + "/card.md", markdown)
        let parse = try bash("""
            python3 -c 'import json, sys, yaml; text = open(sys.argv[1]).read(); print(json.dumps(yaml.safe_load(text.split("---")[1])))' '\(work)/card.md'
            """)
        #expect(parse.status == 0, "the front matter does not parse: \(parse.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(parse.stdout.utf8)) as? [String: Any])
    }

    @Test func theFrontMatterParsesAndSaysWhatAHubShows() throws {
        let (data, preset) = TrainCommandTests.data()
        let out = makeTempFolder() + "/shop \"best\": v1 #1"  // quotes, a colon and a hash in the model's name
        let train = try CLIRunner.run(["train", "--data", data, "--preset", preset, "--epochs", "1", "--vocab-size", "60", "--batch", "8",
                                       "--license", "apache-2.0", "--out", out])
        #expect(train.status == 0, "\(train.stderr)")
        let home = makeTempFolder()
        #expect(try CLIRunner.run(["add", out, "--tag", "shop:v1", "--home", home]).status == 0)
        let yaml = try frontMatter("shop:v1", home: home)
        #expect(yaml["license"] as? String == "apache-2.0" && yaml["library_name"] as? String == "srthub")
        #expect(yaml["datasets"] as? [String] == ["shop"], "datasets by name: \(yaml["datasets"] ?? "-")")
        let index = try #require((yaml["model-index"] as? [[String: Any]])?.first)
        #expect(index["name"] as? String == "shop:v1")  // titled by the tag asked for
        let storedIndex = try #require((try frontMatter("shop:v1", home: home, stored: true)["model-index"] as? [[String: Any]])?.first)
        #expect(storedIndex["name"] as? String == "shop \"best\": v1 #1")  // the image's card: the name it was trained under
        let result = try #require((index["results"] as? [[String: Any]])?.first)
        let dataset = try #require(result["dataset"] as? [String: Any])
        #expect(dataset["split"] as? String == "test" && (dataset["revision"] as? String)?.hasPrefix("sha256:") == true)
        #expect((result["task"] as? [String: Any])?["name"] as? String == "Sequential recommendation")
        let metric = try #require((result["metrics"] as? [[String: Any]])?.first { $0["type"] as? String == "ndcg@10" })
        #expect((metric["name"] as? String)?.hasPrefix("NDCG@10 (") == true && metric["value"] is Double)

        // A fine-tune of it (with an item table) keeps the license; one that says another records that.
        let ft = makeTempFolder() + "/ft"
        #expect(try CLIRunner.run(["finetune", out, "--data", data, "--final-epochs", "1", "--batch", "8", "--item-ids", "--out", ft]).status == 0)
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ft + "/config.json"))) as? [String: Any])
        #expect(config["license"] as? String == "apache-2.0")
        // Its card's training section says which mix of it with its base was kept.
        let fineTuning = try #require(config["fine_tuning"] as? [String: Any])
        let alpha = try #require((fineTuning["base_mix"] as? [String: Any])?["alpha"] as? Double)
        #expect(try CLIRunner.run(["add", ft, "--tag", "team/ft:v1", "--home", home]).status == 0)
        let card = try CLIRunner.run(["show", "team/ft:v1", "--card", "--home", home]).stdout
        #expect(card.contains("base mix α \(alpha == alpha.rounded() ? String(Int(alpha)) : String(alpha))"), "\(card)")
        #expect(card.contains("item IDs: a row per item of its catalog added to the text encoding"), "\(card)")
        #expect(!(try CLIRunner.run(["show", "shop:v1", "--card", "--home", home]).stdout.contains("item IDs:")), "the base has no table")
    }

    /// `show --card` is the card as it reads today: titled by the tag asked for, with an evaluation
    /// `eval` stored after `add`; `--stored` is the image's own README.md layer, unchanged.
    @Test func theCardFollowsLaterEvaluationsAndIsTitledByTheTag() throws {
        let (data, preset) = TrainCommandTests.data()
        let out = makeTempFolder() + "/run-folder-name"
        #expect(try CLIRunner.run(["train", "--data", data, "--preset", preset, "--epochs", "1", "--vocab-size", "60", "--batch", "8", "--out", out]).status == 0)
        let home = makeTempFolder()
        #expect(try CLIRunner.run(["add", out, "--tag", "team/shop:v2", "--home", home]).status == 0)
        let before = try frontMatter("team/shop:v2", home: home)
        let evaluated = try CLIRunner.run(["eval", "team/shop:v2", "--data", data, "--negatives", "20", "--home", home])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        func results(_ yaml: [String: Any]) -> [[String: Any]] { ((yaml["model-index"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? [] }
        let after = try frontMatter("team/shop:v2", home: home), stored = try frontMatter("team/shop:v2", home: home, stored: true)
        #expect(results(after).count > results(before).count, "the new evaluation is in the card")
        #expect(results(stored).count == results(before).count, "the image's own card is as add wrote it")
        #expect((after["model-index"] as? [[String: Any]])?.first?["name"] as? String == "team/shop:v2")
        #expect((stored["model-index"] as? [[String: Any]])?.first?["name"] as? String == "run-folder-name")
        let markdown = try CLIRunner.run(["show", "team/shop:v2", "--card", "--home", home]).stdout
        #expect(markdown.contains("\n# team/shop:v2\n"), "\(markdown)")
    }
}
