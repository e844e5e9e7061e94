import SRTCommands
import SRTTensor

@main enum Entry {
    static func main() async {
        BLASThreads.stopIdleWorkers()
        await SRTHub.main()
    }
}
