import Foundation
import Testing
@testable import SRTCommands

/// One key style in every `--json` output: snake_case, with keys that are data (catalog names,
/// evaluation modes, metrics) left as they are.
@Suite(.enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct JSONOutputTests {
    @Test func propertyNamesBecomeSnakeCaseAndDataKeysStay() {
        #expect(snakeCase("bestEpoch") == "best_epoch" && snakeCase("nonEmbeddingParameters") == "non_embedding_parameters")
        #expect(snakeCase("validationNDCG10") == "validation_ndcg10" && snakeCase("itemsWithText") == "items_with_text")
        for kept in ["ndcg@10", "full, history masked", "Amazon-Beauty", "best_epoch", "users", "srthub_token"] { #expect(snakeCase(kept) == kept) }
    }

    /// Every key in the documents a user's scripts read.
    static func keys(_ value: Any) -> [String] {
        if let object = value as? [String: Any] { return object.keys + object.values.flatMap(keys) }
        if let array = value as? [Any] { return array.flatMap(keys) }
        return []
    }

    @Test func anObjectDocumentNamesItsSchemaFirst() {
        #expect(commandPath(["remote", "add", "origin", "http://x"]) == ["remote", "add"] && commandPath(["ls", "--json"]) == ["list"])
        #expect(commandPath(["scaling", "fit", "--name", "x"]) == ["scaling", "fit"] && commandPath(["add", "runs/x"]) == ["add"])
        #expect(withSchema("{\n  \"a\" : 1\n}", schema: "srthub.x.v1") == "{\n  \"schema\" : \"srthub.x.v1\",\n  \"a\" : 1\n}")
        #expect(withSchema("{\n\n}", schema: "srthub.x.v1") == "{\n  \"schema\" : \"srthub.x.v1\"\n}")
        #expect(withSchema("[\n  {\n    \"a\" : 1\n  }\n]", schema: "srthub.x.v1").hasPrefix("["), "a list stays a list")
        let own = "{\n  \"a\" : 1,\n  \"schema\" : \"srthub.own.v1\"\n}"
        #expect(withSchema(own, schema: "srthub.x.v1") == own, "a type's own schema is kept")
        for json in [withSchema("{\n  \"a\" : 1\n}", schema: "srthub.x.v1"), withSchema("{\n\n}", schema: "srthub.x.v1")] {
            #expect((try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil, "\(json)")
        }
    }

    @Test func noCommandPrintsACamelCaseKey() throws {
        let (data, preset) = TrainCommandTests.data()
        let work = makeTempFolder(), home = makeTempFolder()
        var outputs: [String: String] = [:]
        func run(_ name: String, _ arguments: [String]) throws {
            let result = try CLIRunner.run(arguments + ["--json"])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            outputs[name] = result.stdout
        }
        try run("train", ["train", "--data", data, "--preset", preset, "--epochs", "1", "--vocab-size", "60", "--batch", "8", "--out", work + "/m"])
        try run("data inspect", ["data", "inspect", data])
        try run("eval", ["eval", work + "/m", "--data", data, "--no-save"])
        try run("add", ["add", work + "/m", "--tag", "shop:v1", "--home", home])
        try run("list", ["list", "--home", home])
        try run("show", ["show", "shop:v1", "--home", home])
        try run("log", ["log", "shop:v1", "--home", home])
        try run("whoami", ["whoami", "--home", home])
        try run("show --card", ["show", "shop:v1", "--card", "--home", home])
        let card = try JSONSerialization.jsonObject(with: Data(outputs["show --card"]!.utf8)) as? [String: Any]
        #expect((card?["markdown"] as? String)?.hasPrefix("---\n") == true, "show --card --json is JSON holding the card")
        for (name, text) in outputs {
            let document = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
            if let object = document as? [String: Any] {
                #expect(object["schema"] as? String == "srthub.\(name.replacingOccurrences(of: " --card", with: "").replacingOccurrences(of: " ", with: "-")).v1",
                        "\(name) --json names no schema of its command: \(object.keys.sorted())")
            }
            let camel = Self.keys(document).filter { $0.range(of: "^[a-z][a-z0-9]*[A-Z]", options: .regularExpression) != nil }
            #expect(camel.isEmpty, "\(name) --json has camelCase keys: \(Set(camel).sorted())")
        }
    }
}
