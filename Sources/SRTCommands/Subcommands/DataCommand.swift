import ArgumentParser

struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Work with datasets.",
        subcommands: [DataInspect.self])
}
