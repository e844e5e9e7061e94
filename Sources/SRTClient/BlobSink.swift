import CDirectIO
import Crypto
import Dispatch
import Foundation

/// Where a download's bytes go: libcurl's callback only copies into a buffer; one thread hashes
/// each full buffer while another writes it, so hashing and writing overlap with the network
/// instead of following it. Three 8 MB buffers are allocated once and recycled: memory stays
/// bounded when the disk is slower than the network (the callback then waits for a free buffer).
///
/// Full buffers go to disk with direct I/O (O_DIRECT) where the file system allows it: the bytes
/// move from the buffer to the disk without a copy into the page cache, which on a 200 MB pull
/// cost 0.15–0.7 s of system time (46–59% of its perf samples), and they are on
/// the disk when the write returns, so the fsync before the blob becomes visible has almost
/// nothing left to do. Elsewhere (or for the unaligned tail) writes are buffered, in 1 MB slices
/// (one 8 MB write() cost 3–4× the system time of eight 1 MB ones here), with an fdatasync every
/// 32 MB so the final fsync does not wait for the whole blob.
final class BlobSink: @unchecked Sendable {
    let fd: Int32
    private var hasher: SHA256
    private let queue = DispatchQueue(label: "srthub.blob-sink")  // writes and syncs
    private let hashing = DispatchQueue(label: "srthub.blob-hash")  // hashes the same buffers meanwhile
    private static let bufferSize = 8 << 20
    private static let bufferCount = 3
    private static let writeSlice = 1 << 20
    private static let directAlignment = 4096  // what O_DIRECT needs of offsets, lengths and addresses
    private let storage: UnsafeMutableRawPointer
    private var free: [UnsafeMutableRawPointer]
    private let freeLock = NSLock()
    private let freeCount = DispatchSemaphore(value: BlobSink.bufferCount)
    private var current: UnsafeMutableRawPointer?
    private var filled = 0
    private var unsynced = 0  // bytes written through the page cache since the last fdatasync
    private var direct = false
    private var failure: Int32 = 0
    private let failureLock = NSLock()
    private var failed: Int32 { failureLock.withLock { failure } }

    /// Appends to `fd` (positioned at its end, holding `offset` bytes already hashed into `hasher`).
    init(fd: Int32, hasher: SHA256, offset: Int) {
        self.fd = fd
        self.hasher = hasher
        let storage = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferSize * Self.bufferCount, alignment: Self.directAlignment)
        self.storage = storage
        free = (0..<Self.bufferCount).map { storage + $0 * Self.bufferSize }
        if offset % Self.directAlignment == 0 { direct = setDirect(true) }
    }

    /// Turns direct I/O on or off for `fd`; returns whether it is now on.
    private func setDirect(_ on: Bool) -> Bool {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0 else { return false }
        let wanted = on ? flags | cdirectio_flag() : flags & ~cdirectio_flag()
        return fcntl(fd, F_SETFL, wanted) == 0 && on
    }

    deinit { storage.deallocate() }

    /// Takes a chunk; false once a write has failed.
    func append(_ chunk: UnsafeRawBufferPointer) -> Bool {
        var rest = chunk
        while !rest.isEmpty {
            let buffer = current ?? takeBuffer()
            current = buffer
            let n = min(rest.count, Self.bufferSize - filled)
            (buffer + filled).copyMemory(from: rest.baseAddress!, byteCount: n)
            filled += n
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
            if filled == Self.bufferSize { flush() }
        }
        return failed == 0
    }

    private func takeBuffer() -> UnsafeMutableRawPointer {
        freeCount.wait()
        return freeLock.withLock { free.removeLast() }
    }

    /// Hands the current buffer to both threads; it returns to the pool when both are done with it.
    private func flush() {
        guard let buffer = current else { return }
        let bytes = Filled(start: buffer, count: filled)
        current = nil
        filled = 0
        let done = DispatchGroup()
        done.enter()
        done.enter()
        hashing.async { self.hasher.update(bufferPointer: bytes.raw); done.leave() }
        queue.async { self.consume(bytes.raw); done.leave() }
        done.notify(queue: hashing) {
            self.freeLock.withLock { self.free.append(bytes.start) }
            self.freeCount.signal()
        }
    }

    private func consume(_ data: UnsafeRawBufferPointer) {
        guard failed == 0 else { return }
        var offset = 0
        while offset < data.count {
            let rest = data.count - offset
            let aligned = rest - rest % Self.directAlignment
            if direct && aligned == 0 { direct = setDirect(false) }  // the last few bytes
            let n = write(fd, data.baseAddress! + offset, direct ? aligned : min(rest, Self.writeSlice))
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EINVAL && direct {  // the file system refused direct I/O after all
                    direct = setDirect(false)
                    continue
                }
                let code = errno
                failureLock.withLock { failure = code }
                return
            }
            offset += n
            if !direct { unsynced += n }  // direct writes are on the disk already
            if direct && n % Self.directAlignment != 0 { direct = setDirect(false) }
        }
        if unsynced >= 32 << 20 {
            fdatasync(fd)
            unsynced = 0
        }
    }

    /// Writes what is left; returns the hash so far and the first write error (errno), if any.
    /// Call it on every path, failed downloads included: every buffer goes back to the pool (a
    /// semaphore released below its initial count traps, which once crashed a pull whose connection
    /// dropped), and what arrived reaches the partial file, from which the next pull resumes.
    func finish() -> (SHA256, Int32) {
        if filled > 0 { flush() }
        queue.sync {}
        let result = hashing.sync { (hasher, failed) }
        // The group's notify returns the last buffers on the hashing queue: wait for every one.
        for _ in 0..<Self.bufferCount { freeCount.wait() }
        for _ in 0..<Self.bufferCount { freeCount.signal() }
        return result
    }
}

/// A filled pool buffer on its way to the hashing and writing threads (which only read it).
private struct Filled: @unchecked Sendable {
    let start: UnsafeMutableRawPointer
    let count: Int
    var raw: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: start, count: count) }
}
