import SRTCommands
import SRTTensor

@main enum Entry {
    static func main() async {
        BLASKernel.restartWithFasterKernelIfNeeded()
        BLASThreads.stopIdleWorkers()
        await SRTHub.main()
    }
}
