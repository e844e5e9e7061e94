import Foundation
import Testing

/// Several processes at once, a process killed mid-write, and a home that cannot be written.
@Suite(.enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct RegistryRobustnessTests {

    @Test func twoProcessesAddingTaggingAndCollectingLeaveAConsistentRegistry() throws {
        let work = makeTempFolder()
        for i in 0..<6 {
            makeCheckpoint("\(work)/a\(i)", name: "a\(i)", weightBytes: 200_000, seed: UInt8(i))
            makeCheckpoint("\(work)/b\(i)", name: "b\(i)", weightBytes: 200_000, seed: UInt8(100 + i))
        }
        let srthub = CLIRunner.executable!
        // Each writer adds, re-tags and untags, and runs gc, interleaving with the other.
        let loop = { (p: String) in """
            set -e
            for i in 0 1 2 3 4 5; do
              "\(srthub)" add "\(work)/\(p)$i" --tag \(p):$i >/dev/null
              "\(srthub)" tag \(p):$i \(p):latest >/dev/null
              if [ $((i % 2)) -eq 1 ]; then "\(srthub)" rm \(p):$i >/dev/null; fi
              "\(srthub)" gc >/dev/null
            done
            """ }
        let env = ["SRTHUB_HOME": work + "/home"]
        let script = "(\(loop("a"))) & pa=$!\n(\(loop("b"))) & pb=$!\nwait $pa; ra=$?; wait $pb; rb=$?; echo \"$ra $rb\""
        let run = try bash(script, environment: env)
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0 0", "\(run.stderr)")

        let verify = try CLIRunner.run(["verify", "--json"], environment: env)
        #expect(verify.status == 0, "\(verify.stdout)")
        let list = try CLIRunner.run(["list", "--json"], environment: env)
        let names = Set(((try json(list.stdout) as? [[String: Any]]) ?? []).compactMap { $0["reference"] as? String })
        #expect(names == ["a:0", "a:2", "a:4", "a:latest", "b:0", "b:2", "b:4", "b:latest"])
        // Every tagged checkpoint's files are complete.
        for name in names {
            #expect(try CLIRunner.run(["verify", name], environment: env).status == 0, "\(name)")
        }
    }

    @Test func severalProcessesOpeningANewHomeAtOnceAllSucceed() throws {
        let work = makeTempFolder()
        let srthub = CLIRunner.executable!
        // Three commands race to create each of 20 fresh homes; before the open was serialized,
        // about one round in eight failed with "table blob already exists" or "database is locked".
        let script = """
            failures=0
            for round in $(seq 20); do
              home="\(work)/home-$round"
              pids=""
              for i in 1 2 3; do "\(srthub)" list --home "$home" >/dev/null 2>>"\(work)/errors" & pids="$pids $!"; done
              for pid in $pids; do wait "$pid" || { echo "exit $? in round $round" >>"\(work)/errors"; failures=$((failures + 1)); }; done
            done
            echo "$failures"
            """
        let run = try bash(script)
        let errors = (try? String(contentsOfFile: work + "/errors", encoding: .utf8)) ?? ""
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(errors)")
        #expect(errors.isEmpty, "\(errors)")
        #expect(try CLIRunner.run(["verify"], environment: ["SRTHUB_HOME": work + "/home-20"]).status == 0)
    }

    @Test func killingAddAtRandomMomentsNeverLeavesAPartialBlobVisible() throws {
        let work = makeTempFolder()
        let env = ["SRTHUB_HOME": work + "/home"]
        makeCheckpoint(work + "/big", name: "big", weightBytes: 24_000_000, seed: 9)
        #expect(try CLIRunner.run(["init"], environment: env).status == 0)
        // Time one add to spread the kills over its whole duration.
        let start = Date()
        #expect(try CLIRunner.run(["add", work + "/big", "--tag", "probe"], environment: env).status == 0)
        let duration = Date().timeIntervalSince(start)
        #expect(try CLIRunner.run(["rm", "probe"], environment: env).status == 0)
        #expect(try CLIRunner.run(["gc"], environment: env).status == 0)

        var generator = SystemRandomNumberGenerator()
        var killed = 0
        for run in 0..<20 {
            makeCheckpoint(work + "/k\(run)", name: "k\(run)", weightBytes: 2_000_000 + run, seed: UInt8(run))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLIRunner.executable!)
            process.arguments = ["add", run % 2 == 0 ? work + "/big" : work + "/k\(run)", "--tag", "k:\(run)"]
            process.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(Double.random(in: 0...(duration * 1.2), using: &generator) * 1_000_000))
            if process.isRunning { kill(process.processIdentifier, SIGKILL); killed += 1 }
            process.waitUntilExit()
        }
        #expect(killed > 0, "no run was killed mid-way: the timing did not work")

        let verify = try CLIRunner.run(["verify", "--json"], environment: env)
        let report = try #require(try json(verify.stdout) as? [String: Any])
        #expect(verify.status == 0)
        #expect((report["problems"] as? [String])?.isEmpty == true, "\(report)")
        // Whatever was recorded is whole and retrievable.
        let list = try CLIRunner.run(["list", "--json"], environment: env)
        for entry in (try json(list.stdout) as? [[String: Any]]) ?? [] {
            let name = entry["reference"] as! String
            #expect(try CLIRunner.run(["checkout", name, work + "/out-" + name.replacingOccurrences(of: ":", with: "-")], environment: env).status == 0)
        }
        // Nothing is in flight any more: no grace period for the killed adds' leftovers.
        #expect(try CLIRunner.run(["gc", "--grace-minutes", "0"], environment: env).status == 0)
        let after = try CLIRunner.run(["verify", "--json"], environment: env)
        #expect(after.status == 0)
        #expect(((try json(after.stdout) as? [String: Any])?["notes"] as? [String])?.isEmpty == true)
    }

    /// Mounting needs a private mount namespace (root, or user namespaces); skip where not allowed.
    static let canMount: Bool = (try? bash("unshare -m --propagation private true").status) == 0

    @Test(.enabled(if: canMount, "unshare -m is not permitted here: cannot make a read-only or full file system"))
    func readOnlyHomeGivesAClearMessageAndChangesNothing() throws {
        let work = makeTempFolder()
        let home = work + "/home"
        makeCheckpoint(work + "/a", name: "a")
        makeCheckpoint(work + "/b", name: "b", seed: 2)
        #expect(try CLIRunner.run(["add", work + "/a", "--tag", "a"], environment: ["SRTHUB_HOME": home]).status == 0)
        let before = try CLIRunner.run(["list", "--json"], environment: ["SRTHUB_HOME": home]).stdout
        let srthub = CLIRunner.executable!
        let run = try bash("""
            unshare -m --propagation private bash -c '
              mount --bind "\(home)" "\(home)" && mount -o remount,ro,bind "\(home)" "\(home)" || exit 99
              "\(srthub)" add "\(work)/b" --tag b; echo "status=$?"'
            """, environment: ["SRTHUB_HOME": home])
        #expect(run.stdout.contains("status=73"), "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.contains("make $SRTHUB_HOME writable"))
        #expect(try CLIRunner.run(["list", "--json"], environment: ["SRTHUB_HOME": home]).stdout == before)
        #expect(try CLIRunner.run(["verify"], environment: ["SRTHUB_HOME": home]).status == 0)
    }

    @Test(.enabled(if: canMount, "unshare -m is not permitted here: cannot make a read-only or full file system"))
    func fullDiskGivesAClearMessageAndChangesNothing() throws {
        let work = makeTempFolder()
        let home = work + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        makeCheckpoint(work + "/small", name: "small", weightBytes: 1000)
        makeCheckpoint(work + "/big", name: "big", weightBytes: 3_000_000, seed: 3)
        let srthub = CLIRunner.executable!
        let run = try bash("""
            unshare -m --propagation private bash -c '
              mount -t tmpfs -o size=1500k tmpfs "\(home)" || exit 99
              "\(srthub)" add "\(work)/small" --tag small >/dev/null || echo "small failed"
              "\(srthub)" add "\(work)/big" --tag big; echo "status=$?"
              "\(srthub)" list --json | tr -d " \\n"; echo
              "\(srthub)" verify >/dev/null; echo "verify=$?"
              ls "\(home)/tmp" | wc -l'
            """, environment: ["SRTHUB_HOME": home])
        #expect(run.stdout.contains("status=74"), "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.contains("no space left"))
        #expect(run.stdout.contains("\"reference\":\"small:latest\""))
        #expect(!run.stdout.contains("big:latest"))
        #expect(run.stdout.contains("verify=0"))
        #expect(run.stdout.hasSuffix("0\n"))  // no temp file left behind
    }
}
