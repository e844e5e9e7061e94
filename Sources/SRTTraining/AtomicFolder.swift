import CFileSystem
import Foundation

/// Puts a fully written folder in place of another in one step: readers see the old folder or the
/// new one, never neither (a remove followed by a move left a moment, or after a crash a state,
/// with no checkpoint at all).
enum AtomicFolder {
    /// Every file under `staged` is fsynced, then `staged` takes `destination`'s place (the two
    /// swapped atomically where the file system can; else the old one is removed first), the old
    /// one is deleted, and the parent directory is fsynced so the swap survives a crash.
    static func replace(_ destination: String, with staged: String) throws {
        let fm = FileManager.default
        try syncTree(staged)
        if fm.fileExists(atPath: destination) {
            if cfs_exchange(staged, destination) == 0 {
                try fm.removeItem(atPath: staged)  // now the old folder
            } else {
                // EINVAL/ENOSYS: a file system without the swap.
                try fm.removeItem(atPath: destination)
                try fm.moveItem(atPath: staged, toPath: destination)
            }
        } else {
            try fm.moveItem(atPath: staged, toPath: destination)
        }
        _ = cfs_sync_directory(URL(fileURLWithPath: destination).deletingLastPathComponent().path)  // not NSString's: it traps on "a"
    }

    /// Fills a folder staged beside `destination` (`fill` gets its path), then puts it in place whole;
    /// on any error the staged folder is removed, so nothing half-written is ever visible.
    static func write<T>(_ destination: String, fill: (String) throws -> T) throws -> T {
        let fm = FileManager.default
        let staged = destination + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        try? fm.removeItem(atPath: staged)
        do {
            try fm.createDirectory(atPath: staged, withIntermediateDirectories: true)
            let result = try fill(staged)
            try replace(destination, with: staged)
            return result
        } catch {
            try? fm.removeItem(atPath: staged)
            throw error
        }
    }

    /// fsync of every regular file and directory under `folder`, the folder included.
    static func syncTree(_ folder: String) throws {
        let fm = FileManager.default
        for name in (try? fm.subpathsOfDirectory(atPath: folder)) ?? [] {
            let path = folder + "/" + name
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue { _ = cfs_sync_directory(path); continue }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            let synced = fsync(fd)
            close(fd)
            if synced != 0 { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        }
        _ = cfs_sync_directory(folder)
    }
}
