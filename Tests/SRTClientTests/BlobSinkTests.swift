import Crypto
import Foundation
import Testing
@testable import SRTClient

/// The download writer: whatever the sizes of the chunks, the blob and the resume point, the file
/// holds exactly the bytes received and the hash is theirs. Full buffers go to disk with direct I/O
/// where the file system allows it, tails and unaligned resumes buffered; both paths are covered.
struct BlobSinkTests {
    static let cases: [(prefix: Int, size: Int)] = [
        (0, 1), (0, 4095), (0, 4096), (0, 8 << 20), (0, (8 << 20) + 1), (0, (20 << 20) + 12_345),
        (4096, 9 << 20),  // an aligned resume point: direct from the start
        (5000, 9 << 20),  // an unaligned one: buffered throughout
    ]

    @Test(arguments: cases) func writesExactlyTheBytesAndTheirHash(prefix: Int, size: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let bytes = try #require(FileHandle(forReadingAtPath: "/dev/urandom")).readData(ofLength: prefix + size)
        let path = temporaryFolder("sink") + "/partial"
        #expect(FileManager.default.createFile(atPath: path, contents: bytes[..<prefix]))
        let fd = open(path, O_RDWR | O_CLOEXEC)
        #expect(fd >= 0)
        defer { close(fd) }
        lseek(fd, 0, SEEK_END)
        var hasher = SHA256()
        hasher.update(data: bytes[..<prefix])

        let sink = BlobSink(fd: fd, hasher: hasher, offset: prefix)
        var at = prefix
        while at < bytes.count {  // chunks of uneven sizes, as libcurl hands them over
            let n = min(Int.random(in: 1...(700 << 10), using: &generator), bytes.count - at)
            let taken = bytes[at..<(at + n)].withUnsafeBytes { sink.append($0) }
            #expect(taken)
            at += n
        }
        let (finalHasher, error) = sink.finish()
        #expect(error == 0)
        #expect(Data(finalHasher.finalize()) == Data(SHA256.hash(data: bytes)))
        #expect(FileManager.default.contents(atPath: path) == bytes)
    }
}
