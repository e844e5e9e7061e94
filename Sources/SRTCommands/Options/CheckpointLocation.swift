import ArgumentParser
import Foundation
import SRTOCI
import SRTRegistry

/// A checkpoint named on the command line: a folder, or a registry reference checked out once
/// into `$SRTHUB_HOME/cache/checkouts/<digest>` (files appear whole: temp folder, then rename).
struct CheckpointLocation {
    let folder: String
    /// Set when the checkpoint came from the registry.
    let stored: (registry: Registry, digest: Digest, reference: Reference)?

    init(_ argument: String, home: HomeOptions) throws {
        if FileManager.default.fileExists(atPath: argument) {
            folder = argument
            stored = nil
            return
        }
        guard let reference = try? Reference(parsing: argument) else {
            throw Failure.report(RegistryError(.notFound, "'\(argument)' is neither a checkpoint folder nor a checkpoint reference",
                                               hint: "pass the folder srthub train --out wrote, or a name from `srthub list`"))
        }
        let registry = try home.open()
        let digest = try Failure.reporting {
            do { return try registry.resolve(reference) } catch {
                throw RegistryError(.notFound, "'\(argument)' is neither a checkpoint folder nor a checkpoint in \(registry.home.path)",
                                    hint: "pass the folder srthub train --out wrote, or a name from `srthub list` (or `srthub pull` it first)")
            }
        }
        let folder = registry.home.path + "/cache/checkouts/" + digest.hex
        if !FileManager.default.fileExists(atPath: folder + "/config.json") {
            let partial = folder + ".partial-\(getpid())"
            _ = try Failure.reporting { try registry.checkout(reference, into: partial) }
            try? FileManager.default.removeItem(atPath: folder)
            try FileManager.default.moveItem(atPath: partial, toPath: folder)
        }
        self.folder = folder
        stored = (registry, digest, reference)
    }
}
