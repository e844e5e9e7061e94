import Foundation
import SRTCommands
import SRTTensor

@main enum Entry {
    static func main() async {
        BLASThreads.stopIdleWorkers()
        let arguments = CommandLine.arguments.dropFirst()
        if let first = arguments.first, let closest = SRTHub.suggestion(for: first) {
            FileHandle.standardError.write(Data("srthub: '\(first)' is not a command. Did you mean '\(closest)'? (srthub --help lists them)\n".utf8))
            exit(64)  // EX_USAGE, as for any other bad command line
        }
        await SRTHub.main()
    }
}
