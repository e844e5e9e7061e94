import CCurl
import Foundation

/// HTTP/1.1 through libcurl, called directly via the CCurl shim. Not URLSession: on Linux it is
/// libcurl underneath too, but measured 2–3× slower than curl on a 100 MB loopback download
/// (TOOLCHAIN.md §3.7), cannot stream a download with Range resume and hashing in constant memory
/// through an async API, and cannot stream request bodies from a file range. One client keeps
/// one connection alive across requests; use one per thread.
public final class HTTPClient {
    public struct Response: Sendable {
        public let status: Int
        public let headers: [(name: String, value: String)]
        /// The body, unless it went to a sink.
        public let body: Data

        /// A header's value (names are case-insensitive).
        public func header(_ name: String) -> String? {
            headers.last { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    public enum Body {
        case none
        case data(Data)
        /// `length` bytes of a file from `offset`.
        case file(path: String, offset: Int, length: Int)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let url: String
        public let message: String
        public var description: String { "\(url): \(message)" }
    }

    private let handle: OpaquePointer
    /// Abort a transfer that moves no byte for this many seconds.
    public var stallSeconds = 30

    public init() {
        handle = ccurl_open()
    }

    deinit { ccurl_close(handle) }

    /// Bodies read into memory (manifests, indexes, error bodies): 4 MB, the server's own manifest limit.
    public static let bodyLimit = 4 << 20

    /// Sends one request. A 2xx response's bytes go to `sink` when given (with the status; return
    /// false to abort), else into `Response.body`, which stops the request past `bodyLimit` bytes:
    /// an endless manifest or error body never grows the client without bound. `shouldStop` is asked
    /// at least once a second while the request runs, bytes moving or not; true aborts it.
    public func send(_ method: String, _ url: String, headers: [String: String] = [:], body: Body = .none, followRedirects: Bool = false,
                     sent: ((Int) -> Void)? = nil, shouldStop: (() -> Bool)? = nil,
                     sink: ((_ status: Int, UnsafeRawBufferPointer) -> Bool)? = nil) throws(Failure) -> Response {
        let state = RequestState(sink: sink)
        state.sent = sent
        state.shouldStop = shouldStop
        var source: FileHandle?
        switch body {
        case .none: break
        case .data(let data): state.pending = data
        case .file(let path, let offset, let length):
            guard let handle = FileHandle(forReadingAtPath: path) else { throw Failure(url: url, message: "cannot read \(path)") }
            try? handle.seek(toOffset: UInt64(offset))
            source = handle
            state.file = handle
            state.fileRemaining = length
        }
        defer { try? source?.close() }
        let length: Int64 = switch body {
        case .none: 0
        case .data(let d): Int64(d.count)
        case .file(_, _, let n): Int64(n)
        }
        let lines = headers.map { "\($0.key): \($0.value)" }
        var status = 0
        var error = [CChar](repeating: 0, count: 512)
        let box = Unmanaged.passRetained(state)
        defer { box.release() }
        let context = box.toOpaque()
        let code: Int32 = withCStrings(lines) { headerPointers in
            method.withCString { m in
                url.withCString { u in
                    var request = ccurl_request()
                    request.method = m
                    request.url = u
                    request.headers = headerPointers.baseAddress
                    request.header_count = Int32(lines.count)
                    if case .none = body {} else {
                        request.body = { buffer, size, context in RequestState.from(context).read(into: buffer!, max: size) }
                        request.body_context = context
                        request.body_length = length
                    }
                    request.on_data = { data, size, context in RequestState.from(context).receive(data!, size) }
                    request.data_context = context
                    request.on_header = { data, size, context in RequestState.from(context).header(data!, size) }
                    request.header_context = context
                    if shouldStop != nil {
                        request.should_stop = { context in RequestState.from(context).stopRequested() ? 1 : 0 }
                        request.stop_context = context
                    }
                    request.stall_seconds = stallSeconds
                    request.follow_redirects = followRedirects ? 1 : 0
                    return ccurl_perform(handle, &request, &status, &error, error.count)
                }
            }
        }
        guard code == 0 else {
            let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Failure(url: url, message: state.overLimit ? "the response body exceeds \(Self.bodyLimit / 1_000_000) MB; refused"
                                                : state.aborted ? "stopped by the receiver" : message)
        }
        return Response(status: status, headers: state.headers, body: state.collected)
    }
}

/// What the C callbacks of one request work on.
private final class RequestState {
    let sink: ((_ status: Int, UnsafeRawBufferPointer) -> Bool)?
    var collected = Data()
    var headers: [(name: String, value: String)] = []
    var pending = Data()
    var file: FileHandle?
    var fileRemaining = 0
    var aborted = false
    var overLimit = false
    /// Told the request body bytes handed to the network so far (progress as they leave).
    var sent: ((Int) -> Void)?
    var sentCount = 0
    var shouldStop: (() -> Bool)?
    /// The status of the response being received: only a 2xx body goes to the sink.
    var status = 0

    init(sink: ((_ status: Int, UnsafeRawBufferPointer) -> Bool)?) { self.sink = sink }

    static func from(_ context: UnsafeMutableRawPointer?) -> RequestState {
        Unmanaged<RequestState>.fromOpaque(context!).takeUnretainedValue()
    }

    /// Whether the transfer must end: the sink refused bytes, or `shouldStop` says so now.
    func stopRequested() -> Bool {
        if shouldStop?() == true { aborted = true }
        return aborted
    }

    func receive(_ data: UnsafePointer<CChar>, _ size: Int) -> Int {
        let buffer = UnsafeRawBufferPointer(start: data, count: size)
        if let sink, (200..<300).contains(status) {
            guard sink(status, buffer) else { aborted = true; return 0 }
        } else {
            guard collected.count + size <= HTTPClient.bodyLimit else { overLimit = true; return 0 }
            collected.append(contentsOf: buffer)
        }
        return size
    }

    func header(_ data: UnsafePointer<CChar>, _ size: Int) -> Int {
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
        if line.hasPrefix("HTTP/") {  // a new response (after a redirect or 100)
            headers.removeAll()
            status = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        }
        if let colon = line.firstIndex(of: ":") {
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return size
    }

    func read(into buffer: UnsafeMutablePointer<CChar>, max: Int) -> Int {
        if let file {
            let chunk = (try? file.read(upToCount: min(max, fileRemaining))) ?? Data()
            fileRemaining -= chunk.count
            chunk.copyBytes(to: UnsafeMutableRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: chunk.count)
            sentCount += chunk.count
            sent?(sentCount)
            return chunk.count
        }
        let n = min(max, pending.count)
        pending.copyBytes(to: UnsafeMutableRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: n)
        pending.removeFirst(n)
        return n
    }
}

/// Calls `body` with a C array of C strings valid for its duration.
private func withCStrings<T>(_ strings: [String], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return copies.map { UnsafePointer($0) }.withUnsafeBufferPointer(body)
}
