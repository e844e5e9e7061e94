import Foundation

/// A cross-process lock on `$SRTHUB_HOME/lock` (flock). Writers (add, import, pull) hold it
/// shared, so they run side by side; gc holds it exclusively, so it never deletes a blob that a
/// writer has stored but not yet recorded. The kernel drops it when a process dies, even by SIGKILL.
final class RegistryLock {
    private let descriptor: Int32

    enum Mode { case shared, exclusive }

    init(path: String, mode: Mode) throws(RegistryError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RegistryError.fromErrno(errno, path: path, doing: "opening the registry lock") }
        while flock(fd, mode == .shared ? LOCK_SH : LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            throw RegistryError.fromErrno(code, path: path, doing: "locking the registry")
        }
        descriptor = fd
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
