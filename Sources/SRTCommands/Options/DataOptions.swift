import ArgumentParser
import SRTData

/// How to find and filter a dataset; shared by every command that reads one.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("items"), help: ArgumentHelp("Item text file, instead of the one found next to the interactions.", valueName: "file"))
    var itemsPath: String?

    @Option(name: .customLong("k-core"), help: ArgumentHelp("Keep only users and items with at least N interactions (repeated until stable).", valueName: "n"))
    var kCore: Int?

    @Flag(help: "Encode items that have no text row from empty text instead of refusing the data.")
    var allowMissingText = false

    @Option(help: ArgumentHelp("Keep only this fraction of each catalog's users, chosen by a hash of their id (0 < F ≤ 1).",
                               discussion: "The same users every time for one --users-seed, and a smaller fraction's users are within a larger one's: data sizes for a scaling sweep.",
                               valueName: "F"))
    var usersFraction: Double?

    @Option(help: ArgumentHelp("Seed of --users-fraction's choice of users.", valueName: "S"))
    var usersSeed: UInt64 = 0

    var loadOptions: LoadOptions {
        var options = LoadOptions(kCore: kCore, allowMissingText: allowMissingText, itemsPath: itemsPath)
        options.usersFraction = usersFraction
        options.usersSeed = usersSeed
        return options
    }

    func validate() throws {
        if let kCore, kCore < 1 { throw ValidationError("'--k-core' must be at least 1") }
        if let usersFraction, !(usersFraction > 0 && usersFraction <= 1) {
            throw ValidationError("'--users-fraction' must be above 0 and at most 1, got \(usersFraction)")
        }
    }
}

/// Which split protocol to apply.
struct SplitOptions: ParsableArguments {
    enum ProtocolName: String, ExpressibleByArgument, CaseIterable { case loo, temporal }

    @Option(name: .customLong("protocol"), help: "Split protocol: leave-one-out or a global temporal cutoff.")
    var protocolName: ProtocolName = .loo

    @Option(help: ArgumentHelp("Timestamp quantile of the temporal cutoff.", valueName: "q"))
    var quantile: Double = 0.95

    var splitProtocol: SplitProtocol {
        protocolName == .loo ? .leaveOneOut : .temporal(quantile: quantile)
    }

    func validate() throws {
        if !(quantile > 0 && quantile < 1) { throw ValidationError("'--quantile' must be between 0 and 1 (exclusive)") }
    }
}
