import Foundation
import Testing

/// Release builds once asked for Haswell (AVX2+FMA) on every machine: a binary that dies with SIGILL
/// on CPUs without AVX2 and a package that cannot build for arm64. The flag now follows the build
/// machine, and SRTHUB_PORTABLE=1 drops it.
@Suite struct PortableBuildTests {
    static func manifest(_ environment: [String: String] = [:]) throws -> String {
        // Its own scratch path: the `swift test` that runs this holds the package's .build.
        let dump = try bash("cd '\(CLIRunner.root)' && swift package --scratch-path \"${TMPDIR:-/tmp}/srthub-manifest\" dump-package",
                            environment: environment)
        #expect(dump.status == 0, "\(dump.stderr)")
        return dump.stdout
    }

    @Test func theCPUFlagFollowsTheBuildMachine() throws {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = Set((cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? "").split(separator: " "))
        #if arch(x86_64)
        let expected = flags.contains("avx2") && flags.contains("fma")
        #else
        let expected = false
        #endif
        #expect(try Self.manifest().contains("haswell") == expected)
        #expect(try !Self.manifest(["SRTHUB_PORTABLE": "1"]).contains("haswell"))
    }
}
