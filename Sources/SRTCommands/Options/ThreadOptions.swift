import ArgumentParser

/// `--threads`, one meaning and one default in every command that computes: how many CPU threads
/// it uses. A fixed default, not the machine's core count, so a command trains the same model
/// everywhere.
struct ThreadOptions: ParsableArguments {
    @Option(help: ArgumentHelp("CPU threads to compute with. Training splits each batch across them, so a trained model depends on this count (and the seed); evaluation ranks do not.", valueName: "n"))
    var threads = 2

    func validate() throws {
        if threads < 1 { throw ValidationError("'--threads' must be at least 1") }
    }
}
