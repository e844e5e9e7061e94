import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Which of OpenBLAS's CPU kernels runs the GEMMs. Debian's OpenBLAS (0.3.21, built for every
/// x86 kernel) picks one when the library loads, from the CPU model; a model newer than the library
/// (Emerald Rapids, family 6 model 207) gets its SSE3 `Prescott` fallback, and a training step runs
/// several times slower than with the AVX-512 `SkylakeX` kernels the CPU can run (bench/train_step.sh).
/// The choice can only be overridden before the library loads, by OPENBLAS_CORETYPE, so a program
/// that wants the faster kernel starts itself again with that variable set.
public enum BLASKernel {
    /// The kernel OpenBLAS chose, e.g. "SkylakeX", "Haswell", "Prescott".
    public static var current: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS's kernels for CPUs without AVX2: what it falls back to for a CPU it does not know.
    static let preAVX2Kernels: Set<String> = [
        "katmai", "coppermine", "northwood", "banias", "prescott", "core2", "penryn", "dunnington", "nehalem",
        "atom", "sandybridge", "athlon", "opteron", "opteron_sse3", "barcelona", "bobcat", "nano",
    ]

    /// The kernel to ask for instead of `current`, or nil where `current` already suits a CPU with
    /// these /proc/cpuinfo `flags`: SkylakeX where it has AVX-512 (F, CD, BW, DQ, VL), Haswell
    /// where it has AVX2 and FMA.
    public static func better(than current: String, cpuFlags flags: Set<String>) -> String? {
        guard preAVX2Kernels.contains(current.lowercased()) else { return nil }
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }

    /// The first CPU's flags from /proc/cpuinfo (empty where it cannot be read).
    public static func cpuFlags() -> Set<String> {
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            if text.hasPrefix("flags") { return Set(text.split(separator: ":").last?.split(separator: " ").map(String.init) ?? []) }
        }
        return []
    }

    /// Call before any BLAS work, where the work is worth a restart (about 20 ms): where OpenBLAS
    /// fell back to a kernel slower than the CPU allows and the user has not chosen one, replaces
    /// this process with itself, same arguments, with OPENBLAS_CORETYPE set. Returns (doing
    /// nothing) otherwise, or if the restart fails.
    public static func restartWithFasterKernelIfNeeded() {
        guard getenv("OPENBLAS_CORETYPE") == nil, let kernel = better(than: current, cpuFlags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", kernel, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv("OPENBLAS_CORETYPE")  // execv returned: it failed; carry on with the slower kernel
    }
}
