import Testing
@testable import SRTTensor

/// The kernel choice behind `BLASKernel.restartWithFasterKernelIfNeeded` (its effect on `srthub
/// train` is tested in TrainCommandTests).
@Suite struct BLASKernelTests {
    static let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    @Test func aFallbackKernelIsReplacedByTheWidestTheCPURuns() {
        #expect(BLASKernel.better(than: "Prescott", cpuFlags: Self.avx512) == "SkylakeX")
        #expect(BLASKernel.better(than: "Nehalem", cpuFlags: ["sse3", "avx", "avx2", "fma"]) == "Haswell")
        #expect(BLASKernel.better(than: "Sandybridge", cpuFlags: ["avx", "avx2", "fma", "avx512f"]) == "Haswell")
    }

    @Test func aKernelThatSuitsTheCPUIsKept() {
        for kernel in ["SkylakeX", "Cooperlake", "SapphireRapids", "Haswell", "Zen"] {
            #expect(BLASKernel.better(than: kernel, cpuFlags: Self.avx512) == nil, "\(kernel)")
        }
        // An old CPU keeps its old kernel: there is nothing faster it can run.
        #expect(BLASKernel.better(than: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
    }

    @Test func thisMachinesCPUFlagsAreRead() {
        #expect(BLASKernel.cpuFlags().contains("sse2"), "x86-64 always has SSE2; /proc/cpuinfo was not read")
    }
}
