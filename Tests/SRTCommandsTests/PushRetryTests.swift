import Foundation
import Testing

/// Transient failures during a push (a 5xx, a broken connection) are retried with backoff, and a
/// chunked upload goes on from what the registry says it kept (scripts/interop/hostile_registry.py
/// flakypush fails on a fixed schedule and counts what it received).
@Suite(.enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct PushRetryTests {
    @Test func aFlakyRegistryTakesThePushWholeWithoutResendingWhatItKept() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", CLIRunner.root + "/scripts/interop/hostile_registry.py", "flakypush"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate() }
        let port = Int(String(decoding: out.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0

        let home = makeTempFolder()
        let checkpoint = try fakeCheckpoint(megabytes: 6)
        #expect(try CLIRunner.run(["add", checkpoint, "--tag", "toy:v1", "--home", home]).status == 0)
        let push = try CLIRunner.run(["push", "toy:v1", "127.0.0.1:\(port)/team/toy:v1", "--chunk-mb", "1", "--quiet", "--home", home])
        #expect(push.status == 0, "\(push.status): \(push.stderr)")

        let fetched = try bash("curl -s http://127.0.0.1:\(port)/stats").stdout
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(fetched.utf8)) as? [String: Any], "\(fetched)")
        let failures = stats["failures"] as? [String] ?? []
        #expect(failures.count == 4, "every scheduled failure happened: \(failures)")
        #expect((stats["status_queries"] as? Int ?? 0) >= 2, "the client asked where the upload stood: \(stats)")
        // Bytes received: every blob once, plus the blob whose closing PUT failed (sent again from a
        // new session); the chunk kept before the 503 was not sent again.
        let sizes = try FileManager.default.contentsOfDirectory(atPath: checkpoint).filter { $0 != "config.json" && $0 != "eval.json" }
            .map { try FileManager.default.attributesOfItem(atPath: checkpoint + "/" + $0)[.size] as? Int ?? 0 }
        let received = stats["bytes_received"] as? Int ?? 0
        #expect(received >= sizes.reduce(0, +) && received < sizes.reduce(0, +) + (6 << 20), "\(received) bytes for \(sizes)")

        // What the registry holds pulls back whole into another home.
        let other = makeTempFolder()
        let pull = try CLIRunner.run(["pull", "127.0.0.1:\(port)/team/toy:v1", "--quiet", "--home", other])
        #expect(pull.status == 0, "\(pull.stderr)")
        #expect(try CLIRunner.run(["verify", "--home", other]).status == 0)
    }
}

/// `srthub serve` closes connections that send nothing, or stop halfway through a request, after
/// `--idle-timeout` seconds (they were held forever).
@Suite(.enabled(if: CLIRunner.available, "the srthub executable is not built (run swift build)"))
struct ServerTimeoutTests {
    @Test func silentAndHalfSentConnectionsAreClosed() throws {
        let server = try ServerProcess(srthubHome: makeTempFolder(), extra: ["--idle-timeout", "1"])
        defer { server.stop() }
        // Each case: connect, send a part of a request, then wait for the server to close (recv → b"").
        let script = """
            import socket, sys, time
            port = int(sys.argv[1])
            for part in [b"", b"GET /v2/ HTTP/1.1\\r\\nHost: x\\r\\n",
                         b"PATCH /v2/a/b/blobs/uploads/x HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1000\\r\\n\\r\\n0123456789"]:
                s = socket.create_connection(("127.0.0.1", port))
                s.settimeout(15)
                s.sendall(part)
                started = time.time()
                try:
                    while s.recv(65536): pass
                    print(f"closed after {time.time() - started:.1f}")
                except socket.timeout:
                    print("still open after 15 s")
            """
        let run = try bash("python3 -c '\(script.replacingOccurrences(of: "'", with: "'\\''"))' \(server.port)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(run.stdout) \(run.stderr)")
        for line in lines {
            let seconds = Double(line.replacingOccurrences(of: "closed after ", with: "")) ?? 99
            #expect(seconds < 5, "\(line)")
        }
    }
}
