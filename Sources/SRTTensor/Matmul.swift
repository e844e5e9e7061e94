import CBLAS
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Legend: M, N, K are the GEMM sizes: C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C.
// All matrices are row-major Float32.

/// Opt-in accounting of time and FLOPs spent in sgemm, for benchmarks (`bench/train_step`). Off,
/// it costs one branch per call. Calls from several threads add up their thread-seconds.
public enum SGEMMProfile {
    nonisolated(unsafe) public static var enabled = false
    /// When set, only calls made on this thread count (a test measuring one step while other
    /// tests run in the same process).
    nonisolated(unsafe) public static var onlyThread: pthread_t?
    static let elapsed = Atomic<UInt64>(0)
    static let operations = Atomic<UInt64>(0)
    public static var nanoseconds: UInt64 { elapsed.load(ordering: .relaxed) }
    public static var flops: Double { Double(operations.load(ordering: .relaxed)) }
    public static func reset() {
        elapsed.store(0, ordering: .relaxed)
        operations.store(0, ordering: .relaxed)
    }
}

@inline(__always)
func profiled(_ m: Int, _ n: Int, _ k: Int, _ body: () -> Void) {
    guard SGEMMProfile.enabled, SGEMMProfile.onlyThread.map({ pthread_equal($0, pthread_self()) != 0 }) ?? true else { return body() }
    var start = timespec(), end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    body()
    clock_gettime(CLOCK_MONOTONIC, &end)
    SGEMMProfile.elapsed.add(UInt64((end.tv_sec - start.tv_sec) * 1_000_000_000 + (end.tv_nsec - start.tv_nsec)), ordering: .relaxed)
    SGEMMProfile.operations.add(UInt64(2 * m * n * k), ordering: .relaxed)
}

/// Row-major single-precision GEMM through OpenBLAS. `transA`/`transB` read A as [K,M] / B as [N,K].
@inline(__always)
public func matmul(
    _ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
    alpha: Float = 1, beta: Float = 0
) {
    let lda = transA ? m : k
    let ldb = transB ? k : n
    profiled(m, n, k) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(n))
    }
}

/// GEMM over strided row-major views: `lda`, `ldb`, `ldc` are the row strides (in floats) of the
/// stored matrices, so a head's slice of a fused QKV buffer can be used in place.
@inline(__always)
public func gemm(
    _ c: UnsafeMutablePointer<Float>, ldc: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false, alpha: Float = 1, beta: Float = 0
) {
    profiled(m, n, k) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// The slow twin of `matmul`: three loops, Double accumulation. For tests only.
public func matmulReference(
    _ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
    alpha: Float = 1, beta: Float = 0
) {
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let aip = transA ? a[p * m + i] : a[i * k + p]
                let bpj = transB ? b[j * k + p] : b[p * n + j]
                sum += Double(aip) * Double(bpj)
            }
            let previous = beta == 0 ? 0 : beta * c[i * n + j]
            c[i * n + j] = alpha * Float(sum) + previous
        }
    }
}

/// OpenBLAS's own thread pool. One thread is the safe default on a shared 2-core machine
/// (TOOLCHAIN.md §3.2); training may raise it. Resizing the pool while another thread is inside a
/// BLAS call corrupts that call's result, so set it once, at the edge (the CLI), before any work.
public enum BLASThreads {
    public static func set(_ count: Int) {
        if count != Self.count { openblas_set_num_threads(Int32(count)) }
    }
    public static var count: Int { Int(openblas_get_num_threads()) }
    /// Stops the pool's idle workers. OpenBLAS starts them when the library loads, and each spins
    /// on sched_yield for about 0.1 s before sleeping: a core taken from every command's start-up,
    /// most of which never multiply (measured on a 200 MB pull: 0.06 s less system CPU). The next
    /// multi-threaded call starts them again. Call it only before any BLAS work.
    public static func stopIdleWorkers() { blas_thread_shutdown_() }
    public static var configuration: String {
        guard let c = openblas_get_config() else { return "unknown" }
        return String(cString: c)
    }
}
