import ArgumentParser
import SRTOCI
import SRTRegistry

/// Which local registry to use; shared by every registry command.
struct HomeOptions: ParsableArguments {
    @Option(name: .customLong("home"), help: ArgumentHelp("Registry folder (default: $SRTHUB_HOME, else ~/.srthub).", valueName: "dir"))
    var path: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func open() throws -> Registry {
        let home = path.map(RegistryHome.init(path:)) ?? RegistryHome.fromEnvironment()
        return try Failure.reporting { try Registry(home: home) }
    }
}

/// Parses a reference at the command line with the full message (the grammar and a hint), so a bad
/// name fails before anything runs, with usage.
func parseReference(_ text: String) throws -> Reference {
    do { return try Reference(parsing: text) } catch { throw ValidationError("\(error)") }
}

func megabytes(_ bytes: Int) -> String {
    bytes < 1_000_000 ? "\(grouped((bytes + 999) / 1000)) kB" : String(format: "%.1f MB", Double(bytes) / 1e6)
}
