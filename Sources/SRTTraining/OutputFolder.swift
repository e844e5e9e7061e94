import Foundation

/// Where a run writes its checkpoint, checked before any training: the finished checkpoint takes
/// the folder's place whole, so a folder holding anything else, or another checkpoint the user did
/// not ask to replace, is refused, and a folder that cannot be written is found now, not after
/// hours of training.
enum OutputFolder {
    /// `replacing`: an existing checkpoint there may be replaced (`--force`, or a resumed run's own).
    static func check(_ path: String, replacing: Bool) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw TrainingError.badOption("--out \(path) is a file: name a folder for the checkpoint") }
            let contents = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            if fm.fileExists(atPath: path + "/config.json") {
                if !replacing {
                    throw TrainingError.badOption("--out \(path) already holds a checkpoint: pass --force to replace it, or name another folder")
                }
            } else if !contents.isEmpty {
                let shown = contents.sorted().prefix(3).joined(separator: ", ") + (contents.count > 3 ? ", …" : "")
                throw TrainingError.badOption("--out \(path) holds other files (\(shown)), which the checkpoint would replace: name an empty or new folder")
            }
        }
        // The checkpoint is staged beside the folder: that is where writing must work.
        // Not NSString's deletingLastPathComponent: on Linux it traps on a one-character path ("a").
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let probe = path + ".probe-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
            try Data().write(to: URL(fileURLWithPath: probe))
            try fm.removeItem(atPath: probe)
        } catch {
            throw TrainingError.cannotWrite("cannot write the checkpoint beside --out \(path) (in \(parent)): \(error.localizedDescription); pick a writable folder")
        }
    }
}
