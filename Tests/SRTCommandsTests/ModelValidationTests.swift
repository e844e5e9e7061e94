import Foundation
import Testing

/// A model that does not load never gets a name on a hub or here: `srthub serve` runs the
/// checkpoint validation on a pushed srthub model before storing its manifest, and `pull` runs it
/// before tagging. The broken model comes from a client that bypasses srthub's own checks
/// (scripts/interop/push_broken_model.py: the same layers under a config with `heads: 0`).
@Suite(.serialized, .enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct ModelValidationTests {
    func srthub(_ arguments: [String], home: String) throws -> CLIRunner.Result { try CLIRunner.run(arguments + ["--home", home]) }

    func pushBroken(_ url: String, token: String?) throws -> (status: Int, body: String) {
        let script = CLIRunner.root + "/scripts/interop/push_broken_model.py"
        let run = try bash("python3 '\(script)' \(url) team/shop v1 broken \(token ?? "")")
        let answer = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        return (answer?["status"] as? Int ?? 0, answer?["body"] as? String ?? run.stderr)
    }

    @Test func serveRefusesAModelThatDoesNotLoadAndTakesOneThatDoes() throws {
        let (_, checkpoint) = try EvalCommandTests.trained()
        let serverHome = makeTempFolder(), home = makeTempFolder()
        _ = try srthub(["init"], home: serverHome)
        let token = try srthub(["token", "create"], home: serverHome).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try ServerProcess(srthubHome: serverHome)
        defer { server.stop() }
        #expect(try srthub(["add", checkpoint, "--tag", "shop:v1"], home: home).status == 0)
        let push = try CLIRunner.run(["push", "shop:v1", "127.0.0.1:\(server.port)/team/shop:v1", "--home", home],
                                     environment: ["SRTHUB_TOKEN": token])
        #expect(push.status == 0, "a model that loads is taken: \(push.stderr)")
        let (status, body) = try pushBroken(server.url, token: token)
        #expect(status == 400 && body.contains("MANIFEST_INVALID") && body.contains("heads"), "\(status): \(body)")
        let tags = try srthub(["remote", "tags", "127.0.0.1:\(server.port)/team/shop"], home: home)
        #expect(tags.stdout.contains("v1") && !tags.stdout.contains("broken"), "\(tags.stdout)")

        // A hub whose home is a relative path (as scripts/demo.sh serves it) checks and takes the model too.
        let parent = makeTempFolder()
        _ = try srthub(["init"], home: parent + "/hub")
        let relativeToken = try srthub(["token", "create"], home: parent + "/hub").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let relative = try ServerProcess(srthubHome: "hub", workingDirectory: parent)
        defer { relative.stop() }
        let relativePush = try CLIRunner.run(["push", "shop:v1", "127.0.0.1:\(relative.port)/team/shop:v1", "--home", home],
                                             environment: ["SRTHUB_TOKEN": relativeToken])
        #expect(relativePush.status == 0, "a relative home takes a model that loads: \(relativePush.stderr)")
    }

    @Test(.enabled(if: ServerProcess.distributionAvailable, "docker-registry is not installed (apt-get install docker-registry)"))
    func pullRefusesAModelThatDoesNotLoad() throws {
        let (_, checkpoint) = try EvalCommandTests.trained()
        let server = try ServerProcess(distributionRegistryIn: makeTempFolder())
        defer { server.stop() }
        let home = makeTempFolder()
        #expect(try srthub(["add", checkpoint, "--tag", "shop:v1"], home: home).status == 0)
        #expect(try srthub(["push", "shop:v1", "127.0.0.1:\(server.port)/team/shop:v1"], home: home).status == 0)
        let (status, _) = try pushBroken(server.url, token: nil)
        #expect(status == 201, "the CNCF registry checks no model")
        let other = makeTempFolder()
        let pull = try srthub(["pull", "127.0.0.1:\(server.port)/team/shop:broken", "--quiet"], home: other)
        #expect(pull.status == 76 && pull.stderr.contains("does not load") && pull.stderr.contains("heads"), "\(pull.status): \(pull.stderr)")
        #expect(!(try srthub(["list"], home: other).stdout.contains("broken")), "nothing names it")
        #expect(try srthub(["pull", "127.0.0.1:\(server.port)/team/shop:v1", "--quiet"], home: other).status == 0)
    }
}
