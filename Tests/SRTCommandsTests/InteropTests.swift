import Foundation
import Testing

/// srthub against the real CNCF distribution registry (Debian's docker-registry, run directly on
/// loopback) and against an independent client, oras-py from PyPI. `scripts/test.sh` installs both;
/// each test skips with a message where its part is missing.
@Suite(.serialized, .enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct InteropTests {
    static let orasAvailable = (try? bash("python3 -c 'import oras.client'").status) == 0
    static let script = CLIRunner.root + "/scripts/interop/oras_roundtrip.py"

    func srthub(_ arguments: [String], home: String) throws -> CLIRunner.Result {
        try CLIRunner.run(arguments + ["--home", home])
    }

    func layers(of reference: String, home: String) throws -> [String: String] {
        let show = try srthub(["show", reference, "--json"], home: home)
        let object = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
        var out: [String: String] = [:]
        for layer in object?["layers"] as? [[String: Any]] ?? [] {
            if let title = (layer["annotations"] as? [String: String])?["org.opencontainers.image.title"] { out[title] = layer["digest"] as? String }
        }
        return out
    }

    @Test(.enabled(if: ServerProcess.distributionAvailable, "docker-registry is not installed (apt-get install docker-registry)"))
    func pushAndPullThroughTheCNCFRegistry() throws {
        let server = try ServerProcess(distributionRegistryIn: makeTempFolder())
        defer { server.stop() }
        let a = makeTempFolder(), b = makeTempFolder()
        #expect(try srthub(["add", try fakeCheckpoint(megabytes: 40), "--tag", "toy:v1"], home: a).status == 0)
        let host = "127.0.0.1:\(server.port)"
        let push = try srthub(["push", "toy:v1", "\(host)/team/toy:v1", "--chunk-mb", "8", "--json"], home: a)
        #expect(push.status == 0, "\(push.stderr)")
        let pull = try srthub(["pull", "\(host)/team/toy:v1", "--json"], home: b)
        #expect(pull.status == 0, "\(pull.stderr)")
        let pushed = try JSONSerialization.jsonObject(with: Data(push.stdout.utf8)) as? [String: Any]
        let pulled = try JSONSerialization.jsonObject(with: Data(pull.stdout.utf8)) as? [String: Any]
        #expect(pushed?["digest"] as? String != nil && pushed?["digest"] as? String == pulled?["digest"] as? String)
        // The registry has no referrers API: the evaluation came through the referrers tag schema.
        #expect(pulled?["evaluations"] as? Int == 1)
        #expect(try srthub(["show", "\(host)/team/toy:v1", "--json"], home: b).stdout.contains("0.125"))
        // The registry's own digest header agrees.
        let head = try bash("curl -sI -H 'Accept: application/vnd.oci.image.manifest.v1+json' \(server.url)/v2/team/toy/manifests/v1")
        #expect(head.stdout.lowercased().contains((pushed?["digest"] as? String ?? "-").lowercased()))
    }

    @Test(.enabled(if: ServerProcess.distributionAvailable, "docker-registry is not installed (apt-get install docker-registry)"))
    func usedByLoopThroughTheCNCFRegistry() throws {
        let server = try ServerProcess(distributionRegistryIn: makeTempFolder())
        defer { server.stop() }
        try TransferCommandTests().usedByLoop(url: server.url, secret: nil)
    }

    static let bcryptAvailable = (try? bash("python3 -W ignore -c 'import crypt; assert crypt.METHOD_BLOWFISH'").status) == 0

    @Test(.enabled(if: ServerProcess.distributionAvailable && bcryptAvailable, "docker-registry or Python's crypt (bcrypt) is missing"))
    func basicAuthAgainstTheCNCFRegistry() throws {
        let folder = makeTempFolder()
        // A cheap bcrypt cost: the registry checks the password on every request.
        let line = try bash("python3 -W ignore -c \"import crypt; print('alice:' + crypt.crypt('s3cret', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))\"")
        try line.stdout.write(toFile: folder + "/htpasswd", atomically: true, encoding: .utf8)
        let server = try ServerProcess(distributionRegistryIn: folder, htpasswd: folder + "/htpasswd")
        defer { server.stop() }
        let host = "127.0.0.1:\(server.port)"
        let a = makeTempFolder(), b = makeTempFolder()
        #expect(try srthub(["add", try fakeCheckpoint(megabytes: 1), "--tag", "toy:v1"], home: a).status == 0)
        let refused = try srthub(["push", "toy:v1", "\(host)/team/toy:v1"], home: a)
        #expect(refused.status == 77 && refused.stderr.contains("wants a user name and password"), "\(refused.stderr)")
        let wrong = try srthub(["login", host, "--username", "alice", "--token", "nope"], home: a)
        #expect(wrong.status == 77, "\(wrong.stderr)")
        for home in [a, b] { #expect(try srthub(["login", host, "--username", "alice", "--token", "s3cret"], home: home).status == 0) }
        #expect(try srthub(["push", "toy:v1", "\(host)/team/toy:v1"], home: a).status == 0)
        let pull = try srthub(["pull", "\(host)/team/toy:v1", "--json"], home: b)
        #expect(pull.status == 0, "\(pull.stderr)")
    }

    @Test(.enabled(if: orasAvailable, "oras-py is not installed (pip install oras)"))
    func orasPullsWhatSrthubPushedAndPushesWhatSrthubPulls() throws {
        let serverHome = makeTempFolder()
        _ = try srthub(["init"], home: serverHome)
        let token = try srthub(["token", "create"], home: serverHome).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try ServerProcess(srthubHome: serverHome)
        defer { server.stop() }
        let host = "127.0.0.1:\(server.port)"
        let a = makeTempFolder()
        #expect(try srthub(["add", try fakeCheckpoint(megabytes: 2), "--tag", "toy:v1"], home: a).status == 0)
        #expect(try srthub(["login", host, "--token", token], home: a).status == 0)
        #expect(try srthub(["push", "toy:v1", "\(host)/team/toy:v1"], home: a).status == 0)
        let ours = try layers(of: "toy:v1", home: a)

        // oras pulls it: same files, same digests.
        let out = makeTempFolder()
        let pulled = try bash("python3 \(Self.script) pull \(host)/team/toy:v1 \(out)")
        #expect(pulled.status == 0, "\(pulled.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(pulled.stdout.utf8)) as? [String: Any]
        #expect(report?["files"] as? [String: String] == ours)
        #expect(report?["artifact_type"] as? String == "application/vnd.srthub.model.v1")

        // oras pushes files (to srthub serve, with the token as a password); srthub pulls them with the same digests.
        let pushed = try bash("python3 \(Self.script) push \(host)/other/files:v1 \(out)/model.safetensors \(out)/README.md",
                              environment: ["ORAS_USER": "srthub", "ORAS_PASS": token])
        #expect(pushed.status == 0, "\(pushed.stderr.suffix(1500))")
        let files = (try JSONSerialization.jsonObject(with: Data(pushed.stdout.utf8)) as? [String: Any])?["files"] as? [String: String] ?? [:]
        let b = makeTempFolder()
        let pull = try srthub(["pull", "\(host)/other/files:v1", "--tag", "files:v1"], home: b)
        #expect(pull.status == 0, "\(pull.stderr)")
        let theirs = try layers(of: "files:v1", home: b)
        #expect(!files.isEmpty && theirs == files)
        #expect(try srthub(["verify"], home: b).status == 0)
    }
}
