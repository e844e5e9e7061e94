import Foundation
import Testing

/// Push and pull as users run them, with the faults users meet: a pull killed mid-way, a server
/// killed mid-push, then the used-by loop across two homes with lineage.
@Suite(.serialized, .enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct TransferCommandTests {
    func srthub(_ arguments: [String], home: String) throws -> CLIRunner.Result {
        try CLIRunner.run(arguments + ["--home", home])
    }

    func digest(of reference: String, home: String) throws -> String? {
        let list = try srthub(["list", "--json"], home: home)
        let entries = (try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8))) as? [[String: Any]] ?? []
        return entries.first { $0["reference"] as? String == reference }?["digest"] as? String
    }

    @Test func pullKilledMidwayResumesAndEndsCorrect() throws {
        let serverHome = makeTempFolder()
        #expect(try srthub(["add", try fakeCheckpoint(megabytes: 300), "--tag", "team/big:v1"], home: serverHome).status == 0)
        let server = try ServerProcess(srthubHome: serverHome)
        defer { server.stop() }
        let home = makeTempFolder()
        let pulls = home + "/tmp/pulls"
        var killedWith = 0
        for _ in 0..<5 where killedWith == 0 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLIRunner.executable!)
            process.arguments = ["pull", "127.0.0.1:\(server.port)/team/big:v1", "--home", home, "--quiet"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Kill -9 as soon as part of the weights has arrived.
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning && Date() < deadline {
                let sizes = ((try? FileManager.default.contentsOfDirectory(atPath: pulls)) ?? []).compactMap {
                    try? FileManager.default.attributesOfItem(atPath: pulls + "/" + $0)[.size] as? Int
                }
                if let size = sizes.max(), size > 10_000_000 {
                    kill(process.processIdentifier, SIGKILL)
                    killedWith = size
                    break
                }
                usleep(500)
            }
            process.waitUntilExit()
            if killedWith == 0 { _ = try? bash("rm -rf \(home)") }  // finished too fast: start over
        }
        #expect(killedWith > 0, "the pull always finished before it could be killed")
        #expect(try digest(of: "127.0.0.1:\(server.port)/team/big:v1", home: home) == nil)  // nothing visible yet
        let again = try srthub(["pull", "127.0.0.1:\(server.port)/team/big:v1", "--json"], home: home)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try digest(of: "127.0.0.1:\(server.port)/team/big:v1", home: home) == digest(of: "team/big:v1", home: serverHome))
        let verify = try srthub(["verify", "--json"], home: home)
        let problems = ((try? JSONSerialization.jsonObject(with: Data(verify.stdout.utf8))) as? [String: Any])?["problems"] as? [String]
        #expect(verify.status == 0 && problems == [], "\(verify.stdout)")
    }

    /// `srthub search` lists what a hub holds, from its catalog, each tag's size, parameters,
    /// dataset and date; the catalog pages with n/last and leaves out models pulled from elsewhere.
    @Test func searchListsTheHubsModels() throws {
        let serverHome = makeTempFolder()
        #expect(try srthub(["add", try fakeCheckpoint(name: "toy"), "--tag", "team/toy:v1"], home: serverHome).status == 0)
        #expect(try srthub(["add", try fakeCheckpoint(megabytes: 2, name: "shop"), "--tag", "team/shop:v2"], home: serverHome).status == 0)
        #expect(try srthub(["add", try fakeCheckpoint(name: "elsewhere"), "--tag", "other.example.com/x/y:v1"], home: serverHome).status == 0)
        let server = try ServerProcess(srthubHome: serverHome)
        defer { server.stop() }
        let home = makeTempFolder()
        let all = try srthub(["search", "127.0.0.1:\(server.port)"], home: home)
        #expect(all.status == 0 && all.stdout.contains("team/toy:v1") && all.stdout.contains("team/shop:v2") && !all.stdout.contains("x/y"), "\(all.stdout)\(all.stderr)")
        #expect(all.stdout.contains("1,000") && all.stdout.contains("2.0 MB"), "\(all.stdout)")
        let some = try srthub(["search", "127.0.0.1:\(server.port)", "shop", "--json"], home: home)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(some.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 1 && entries[0]["repository"] as? String == "team/shop" && entries[0]["parameters"] as? Int == 1000)
        let page = try bash("curl -s -D - 'http://127.0.0.1:\(server.port)/v2/_catalog?n=1'")
        #expect(page.stdout.contains(#"{"repositories":["team/shop"]}"#) && page.stdout.contains("last=team/shop"), "\(page.stdout)")
        #expect(try srthub(["search", "nowhere"], home: home).status == 64)
    }

    /// A blob missing here is local damage (66, run verify), not an unreachable registry (69).
    @Test func pushWithALocalBlobMissingSaysSo() throws {
        let home = makeTempFolder()
        #expect(try srthub(["add", try fakeCheckpoint(), "--tag", "team/toy:v1"], home: home).status == 0)
        let blobs = home + "/blobs/sha256"
        let largest = try FileManager.default.subpathsOfDirectory(atPath: blobs).filter { $0.contains("/") }
            .max { (try? FileManager.default.attributesOfItem(atPath: blobs + "/" + $0)[.size] as? Int ?? 0) ?? 0
                 < (try? FileManager.default.attributesOfItem(atPath: blobs + "/" + $1)[.size] as? Int ?? 0) ?? 0 }
        try FileManager.default.removeItem(atPath: blobs + "/" + (try #require(largest)))
        let server = try ServerProcess(srthubHome: makeTempFolder())
        defer { server.stop() }
        let push = try srthub(["push", "team/toy:v1", "127.0.0.1:\(server.port)/team/toy:v1", "--quiet"], home: home)
        #expect(push.status == 66 && push.stderr.contains("is damaged here") && push.stderr.contains("srthub verify"), "\(push.status): \(push.stderr)")
    }

    /// Pulled by digest without --tag, a model is listed (tag `sha256-<12 hex>`) and survives gc;
    /// it was stored untagged, so `list` did not show it and the next `gc` deleted it.
    @Test func pullByDigestIsListedAndKept() throws {
        let serverHome = makeTempFolder()
        #expect(try srthub(["add", try fakeCheckpoint(), "--tag", "team/toy:v1"], home: serverHome).status == 0)
        let digest = try #require(try digest(of: "team/toy:v1", home: serverHome))
        let server = try ServerProcess(srthubHome: serverHome)
        defer { server.stop() }
        let home = makeTempFolder()
        let pull = try srthub(["pull", "127.0.0.1:\(server.port)/team/toy@\(digest)", "--quiet"], home: home)
        #expect(pull.status == 0, "\(pull.stderr)")
        let name = "127.0.0.1:\(server.port)/team/toy:sha256-\(digest.dropFirst(7).prefix(12))"
        let listed = try srthub(["list"], home: home).stdout
        #expect(try self.digest(of: name, home: home) == digest, "\(listed)")
        #expect(try srthub(["gc"], home: home).status == 0)
        #expect(try self.digest(of: name, home: home) == digest)
        #expect(try srthub(["verify"], home: home).status == 0)
        // Off a terminal (a CI log), progress is one line per blob moved.
        let logged = try srthub(["pull", "127.0.0.1:\(server.port)/team/toy:v1"], home: makeTempFolder())
        let lines = logged.stderr.split(separator: "\n").filter { $0.hasPrefix("pull ") && $0.contains(" of ") }
        #expect(logged.status == 0 && lines.count >= 2, "\(logged.stderr)")
    }

    /// A registry that misbehaves mid-blob (scripts/interop/hostile_registry.py): the pull exits
    /// with its documented code and a message, never a crash (it died with SIGILL in BlobSink once),
    /// keeps what arrived, and a later pull resumes or starts over as the server allows.
    @Test func hostileRegistryNeverCrashesAPull() throws {
        func serve(_ mode: String) throws -> (Process, Int, Pipe) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", CLIRunner.root + "/scripts/interop/hostile_registry.py", mode]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            return (process, Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, out)
        }
        let layer = "7ee94bc1d825fd8e1e8cebec936366cf882198068e6e1326c53302ff01734c75"
        let (dropping, port, _) = try serve("drop")
        defer { dropping.terminate() }
        let home = makeTempFolder()
        let dropped = try srthub(["pull", "127.0.0.1:\(port)/team/toy:v1", "--quiet"], home: home)
        // Three tries (the last two resumed with Range), each cut halfway: 2 + 1 + 0.5 MB kept.
        #expect(dropped.status == 69 && dropped.stderr.contains("3670016 of 4194304 bytes kept") && dropped.stderr.contains("resumes"),
                "\(dropped.status): \(dropped.stderr)")
        let kept = try FileManager.default.attributesOfItem(atPath: home + "/tmp/pulls/" + layer)[.size] as? Int
        #expect(kept == 3_670_016)

        // A 503, then a broken connection: retried and resumed within one pull.
        let (flaky, portFlaky, _) = try serve("flaky")
        defer { flaky.terminate() }
        let flakyHome = makeTempFolder()
        let retried = try srthub(["pull", "127.0.0.1:\(portFlaky)/team/toy:v1", "--quiet"], home: flakyHome)
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(try srthub(["verify"], home: flakyHome).status == 0)

        let (ignoring, port2, _) = try serve("norange")
        defer { ignoring.terminate() }
        let other = makeTempFolder()
        let ignored = try srthub(["pull", "127.0.0.1:\(port2)/team/toy:v1", "--quiet"], home: other)
        #expect(ignored.status == 76 && ignored.stderr.contains("ignored the Range request"), "\(ignored.stderr)")
        let whole = try srthub(["pull", "127.0.0.1:\(port2)/team/toy:v1", "--quiet"], home: other)
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(try srthub(["verify"], home: other).status == 0)

        // Ctrl-C midway, while the download stalls: exit 130 at once, what arrived is on disk (it
        // could all sit in memory buffers and be lost), and the next pull resumes from it.
        let (slow, portSlow, slowOutput) = try serve("slow")
        defer { slow.terminate() }
        let interruptedHome = makeTempFolder()
        let pull = Process()
        pull.executableURL = URL(fileURLWithPath: CLIRunner.executable!)
        pull.arguments = ["pull", "127.0.0.1:\(portSlow)/team/toy:v1", "--quiet", "--home", interruptedHome]
        let errors = Pipe()
        pull.standardError = errors
        pull.standardOutput = FileHandle.nullDevice
        try pull.run()
        // The server says when it has sent a first megabyte and stalls; the pull reads it meanwhile.
        let stalled = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { _ = slowOutput.fileHandleForReading.availableData; stalled.signal() }
        #expect(stalled.wait(timeout: .now() + 30) == .success, "the server never sent its first megabyte")
        usleep(300_000)
        let interrupted = Date()
        kill(pull.processIdentifier, SIGINT)
        pull.waitUntilExit()
        // No byte moves while the server stalls (10 s): the stop must not wait for the next one.
        #expect(Date().timeIntervalSince(interrupted) < 5, "Ctrl-C took \(Date().timeIntervalSince(interrupted)) s on a stalled download")
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(pull.terminationStatus == 130 && said.contains("interrupted:") && said.contains("resumes"), "\(pull.terminationStatus): \(said)")
        let arrived = try FileManager.default.attributesOfItem(atPath: interruptedHome + "/tmp/pulls/" + layer)[.size] as? Int ?? 0
        #expect(arrived > 0 && arrived < 4_194_304, "\(arrived) bytes kept")
        let resumed = try srthub(["pull", "127.0.0.1:\(portSlow)/team/toy:v1", "--quiet"], home: interruptedHome)
        let verified = try srthub(["verify"], home: interruptedHome).status
        #expect(resumed.status == 0 && verified == 0, "\(resumed.stderr)")

        // An endless manifest stops at the 4 MB cap (it grew the client to gigabytes in seconds).
        let (endless, port3, _) = try serve("endless")
        defer { endless.terminate() }
        let started = Date()
        let capped = try srthub(["pull", "127.0.0.1:\(port3)/team/toy:v1", "--quiet"], home: makeTempFolder())
        #expect(capped.status != 0 && capped.stderr.contains("exceeds 4 MB") && Date().timeIntervalSince(started) < 20, "\(capped.stderr)")

        // Sizes that cannot be true are refused before any download (their sum overflowed: a crash).
        let (huge, port4, _) = try serve("hugesize")
        defer { huge.terminate() }
        let refused = try srthub(["pull", "127.0.0.1:\(port4)/team/toy:v1", "--quiet"], home: makeTempFolder())
        #expect(refused.status == 76 && refused.stderr.contains("cannot be true"), "\(refused.status): \(refused.stderr)")

        // A blob download redirected to object storage on another host is followed, and the
        // registry's credentials stay behind (the storage server refuses a request carrying them).
        let (redirecting, port5, _) = try serve("redirect")
        defer { redirecting.terminate() }
        let loggedIn = makeTempFolder()
        #expect(try bash("printf secret | '\(CLIRunner.executable!)' login 127.0.0.1:\(port5) --username ci --password-stdin --home \(loggedIn)").status == 0)
        let redirected = try srthub(["pull", "127.0.0.1:\(port5)/team/toy:v1", "--quiet"], home: loggedIn)
        #expect(redirected.status == 0, "\(redirected.stderr)")
        #expect(try srthub(["verify"], home: loggedIn).status == 0)

        // A token service on another host over plain HTTP never gets the stored credentials
        // (its token is refused by this registry whenever it did).
        let (realm, port6, _) = try serve("realm")
        defer { realm.terminate() }
        let cautious = makeTempFolder()
        let login = try bash("printf secret | '\(CLIRunner.executable!)' login 127.0.0.1:\(port6) --username ci --password-stdin --home \(cautious)")
        #expect(login.status == 0, "\(login.stderr)")
        let anonymous = try srthub(["pull", "127.0.0.1:\(port6)/team/toy:v1", "--quiet"], home: cautious)
        #expect(anonymous.status == 0, "\(anonymous.stderr)")
    }

    @Test(.enabled(if: RegistryRobustnessTests.canMount, "unshare -m is not permitted here: cannot make a small file system"))
    func pullChecksFreeSpaceBeforeDownloading() throws {
        let serverHome = makeTempFolder()
        #expect(try srthub(["add", try fakeCheckpoint(megabytes: 30), "--tag", "team/big:v1"], home: serverHome).status == 0)
        let server = try ServerProcess(srthubHome: serverHome)
        defer { server.stop() }
        let home = makeTempFolder() + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let run = try bash("""
            unshare -m --propagation private bash -c '
              mount -t tmpfs -o size=20m tmpfs "\(home)" || exit 99
              "\(CLIRunner.executable!)" pull 127.0.0.1:\(server.port)/team/big:v1 --home "\(home)"; echo "status=$?"
              find "\(home)/tmp" "\(home)/blobs" -type f | wc -l'
            """)
        #expect(run.stdout.contains("status=74"), "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.contains("nothing was downloaded"), "\(run.stderr)")
        #expect(run.stdout.hasSuffix("0\n"), "\(run.stdout)")  // not a byte written
    }

    @Test func serveLogsEachRequestAndStopsCleanlyOnSIGTERM() throws {
        let home = makeTempFolder()
        let run = try bash("""
            "\(CLIRunner.executable!)" serve --addr 127.0.0.1:0 --home "\(home)" --json > "\(home)/out" 2> "\(home)/log" &
            pid=$!
            for i in $(seq 100); do [ -s "\(home)/out" ] && break; sleep 0.05; done
            url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "\(home)/out")
            curl -s "$url/v2/" > /dev/null
            curl -s "$url/v2/team/none/manifests/v1" > /dev/null
            kill -TERM $pid; wait $pid; echo "status=$?"
            cat "\(home)/log"
            """)
        #expect(run.stdout.contains("status=0"), "\(run.stdout)")
        #expect(run.stdout.contains("GET /v2/ 200"), "\(run.stdout)")
        #expect(run.stdout.contains("GET /v2/team/none/manifests/v1 404"), "\(run.stdout)")
    }

    @Test func serverKilledMidPushThenRestartedTakesTheRetriedPush() throws {
        let serverHome = makeTempFolder()
        _ = try srthub(["init"], home: serverHome)
        let token = try srthub(["token", "create"], home: serverHome).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var server = try ServerProcess(srthubHome: serverHome)
        let port = server.port
        let home = makeTempFolder()
        #expect(try srthub(["add", try fakeCheckpoint(megabytes: 200), "--tag", "big:v1"], home: home).status == 0)
        let login = Process()
        login.executableURL = URL(fileURLWithPath: CLIRunner.executable!)
        login.arguments = ["login", "127.0.0.1:\(port)", "--token", token, "--home", home]
        try login.run()
        login.waitUntilExit()
        #expect(login.terminationStatus == 0)

        let push = Process()
        push.executableURL = URL(fileURLWithPath: CLIRunner.executable!)
        push.arguments = ["push", "big:v1", "127.0.0.1:\(port)/team/big:v1", "--chunk-mb", "4", "--home", home, "--quiet"]
        let err = Pipe()
        push.standardError = err
        push.standardOutput = FileHandle.nullDevice
        try push.run()
        let uploads = serverHome + "/tmp/uploads"
        let deadline = Date().addingTimeInterval(30)
        var partial = 0
        while push.isRunning && Date() < deadline && partial < 20_000_000 {
            partial = ((try? FileManager.default.contentsOfDirectory(atPath: uploads)) ?? []).compactMap {
                try? FileManager.default.attributesOfItem(atPath: uploads + "/" + $0)[.size] as? Int
            }.max() ?? 0
            usleep(500)
        }
        server.kill9()
        push.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(partial > 0 && push.terminationStatus == 69, "status \(push.terminationStatus): \(message)")
        #expect(message.contains("is the registry running"))
        // No partial blob became visible on the server.
        let serverVerify = try srthub(["verify", "--json"], home: serverHome)
        #expect(serverVerify.status == 0 && !serverVerify.stdout.contains("corrupt"))
        #expect(!(try srthub(["list"], home: serverHome).stdout.contains("team/big")))

        server = try ServerProcess(srthubHome: serverHome, port: port)
        defer { server.stop() }
        let retried = try srthub(["push", "big:v1", "127.0.0.1:\(port)/team/big:v1", "--chunk-mb", "4", "--json"], home: home)
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(try digest(of: "team/big:v1", home: serverHome) == digest(of: "big:v1", home: home))
        #expect(try srthub(["verify"], home: serverHome).status == 0)
    }

    @Test func usedByLoopAcrossTwoHomesThroughSrthubServe() throws {
        let serverHome = makeTempFolder()
        _ = try srthub(["init"], home: serverHome)
        let token = try srthub(["token", "create"], home: serverHome).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try ServerProcess(srthubHome: serverHome)
        defer { server.stop() }
        try usedByLoop(url: server.url, secret: token)
    }

    /// A publishes a base; B pulls it, adds a child fine-tuned from it and pushes it; A pulls the
    /// child, and `srthub log` in A shows the lineage across both homes.
    func usedByLoop(url: String, secret: String?) throws {
        let a = makeTempFolder(), b = makeTempFolder()
        for home in [a, b] {
            #expect(try srthub(["remote", "add", "hub", url], home: home).status == 0)
            if let secret { #expect(try srthub(["login", "hub", "--token", secret], home: home).status == 0) }
        }
        #expect(try srthub(["add", try fakeCheckpoint(name: "base"), "--tag", "base:v1"], home: a).status == 0)
        let push = try srthub(["push", "base:v1", "hub/team/base:v1"], home: a)
        #expect(push.status == 0, "\(push.stderr)")
        let pull = try srthub(["pull", "hub/team/base:v1", "--tag", "base:v1"], home: b)
        #expect(pull.status == 0, "\(pull.stderr)")
        let base = try #require(try digest(of: "base:v1", home: b))
        #expect(base == (try digest(of: "base:v1", home: a)))
        #expect(try srthub(["show", "base:v1", "--json"], home: b).stdout.contains("0.125"))  // the evaluation travelled
        #expect(try srthub(["add", try fakeCheckpoint(parent: base, name: "child"), "--tag", "child:v1"], home: b).status == 0)
        #expect(try srthub(["push", "child:v1", "hub/team/child:v1"], home: b).status == 0)
        #expect(try srthub(["pull", "hub/team/child:v1", "--tag", "child:v1"], home: a).status == 0)
        let log = try srthub(["log", "child:v1"], home: a)
        #expect(log.status == 0 && log.stdout.contains(String(base.dropFirst(7).prefix(12))), "\(log.stdout)")
        #expect(log.stdout.contains("finetune"), "\(log.stdout)")
    }
}
