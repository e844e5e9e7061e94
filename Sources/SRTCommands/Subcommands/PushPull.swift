import ArgumentParser
import Foundation
import SRTClient
import SRTOCI
import SRTRegistry
import SRTTraining

struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Push a checkpoint (and its evaluations) to a remote OCI registry.",
        discussion: """
            Blobs the remote already has are skipped (HEAD); blobs over --chunk-mb go up in chunks. \
            The evaluations travel as a referrer artifact whose subject is the model (the referrers \
            tag schema on registries without the referrers API).

            Examples:
              srthub push ml-100k:v1 origin/team/ml-100k:v1
              srthub push shop:ft 127.0.0.1:5000/team/shop:ft --json
            """)

    @Argument(help: "Local checkpoint reference.", transform: parseReference) var reference: Reference
    @Argument(help: "Destination REMOTE/ns/name:tag or host:port/ns/name:tag (default: the reference itself, if it has a host).")
    var destination: String?
    @Option(help: "Chunk size for large blobs, in MiB.") var chunkMb = 16
    @Flag(help: "No progress bar.") var quiet = false
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let registry = try home.open()
        let settings = config(home)
        let display = TransferDisplay(verb: "push", quiet: quiet || home.json)
        let report = try Failure.reporting {
            let (remote, target, _) = try settings.repository(destination ?? reference.description)
            return try SRTClient.Push.run(registry, reference, to: remote, tag: target.tag ?? reference.tag ?? Reference.defaultTag,
                                          chunkSize: chunkMb << 20, progress: display.update)
        }
        display.finish()
        if home.json { return try printJSON(report) }
        print("pushed \(reference) → \(report.reference) \(report.digest) (\(report.transferred) blob(s) sent, \(report.skipped) already there, \(megabytes(report.bytes)), \(report.evaluations) evaluation(s), \(String(format: "%.1f", report.seconds)) s)")
    }
}

struct Pull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pull a checkpoint (and its evaluations) from a remote OCI registry.",
        discussion: """
            Blobs already here are skipped. Each download is checked (size and sha256) before it \
            becomes visible; a mismatch is refused and deleted. An interrupted pull (Ctrl-C, kill, \
            lost connection) resumes where it stopped: partial downloads wait in $SRTHUB_HOME/tmp. \
            Free space is checked first. The local tag is the remote name (host:port/ns/name:tag) \
            unless --tag.

            Examples:
              srthub pull origin/team/ml-100k:v1
              srthub pull 127.0.0.1:5000/team/shop@sha256:… --tag shop:base
            """)

    @Argument(help: "REMOTE/ns/name:tag or host:port/ns/name[:tag|@digest].") var source: String
    @Option(help: "Local tag to give it.", transform: parseReference) var tag: Reference?
    @Flag(help: "No progress bar.") var quiet = false
    @OptionGroup var home: HomeOptions

    func run() async throws {
        let registry = try home.open()
        let settings = config(home)
        let display = TransferDisplay(verb: "pull", quiet: quiet || home.json)
        // Ctrl-C or SIGTERM stops the download cleanly: what arrived is written out for the next pull.
        ProgressDisplay.installStopHandlers()
        defer { if ProgressDisplay.interrupted { Foundation.exit(ProgressDisplay.interruptedExitStatus) } }
        let report = try Failure.reporting {
            let (remote, remoteReference, host) = try settings.repository(source)
            // Pulled by digest, it is tagged `sha256-<12 hex>`: visible to `list`, kept by `gc`.
            let local = tag ?? Reference(host: host, namespace: remoteReference.namespace, name: remoteReference.name,
                                         tag: remoteReference.digest.map { "sha256-" + $0.short } ?? remoteReference.tagOrDefault)
            return try SRTClient.Pull.run(registry, from: remote, reference: remoteReference.digest?.description ?? remoteReference.tagOrDefault,
                                          tag: local, shouldStop: { ProgressDisplay.interrupted },
                                          validate: { folder in try Checkpoint.validate(folder) }, progress: display.update)
        }
        display.finish()
        if home.json { return try printJSON(report) }
        print("pulled \(report.reference) \(report.digest) (\(report.transferred) blob(s) fetched, \(report.skipped) already here, \(megabytes(report.bytes)), \(report.evaluations) evaluation artifact(s), \(String(format: "%.1f", report.seconds)) s)")
    }
}
