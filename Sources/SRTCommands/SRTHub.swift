import ArgumentParser

/// The root command: configuration only (STYLE.md habit 7).
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
public struct SRTHub: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "srthub",
        abstract: "A hub for pretrained sequential-recommendation transformers (SRT).",
        discussion: """
            Pull a pretrained model, fine-tune it onto your catalog, evaluate it against baselines, \
            and publish it. Datasets are RecBole atomic files (NAME.inter + NAME.item) or \
            CSV/TSV/JSONL with named columns.

            Shell completions: srthub --generate-completion-script bash (or zsh, fish).
            """,
        version: "0.1.0",
        groupedSubcommands: [
            CommandGroup(name: "Data and models", subcommands: [
                DataCommand.self, Presets.self, Train.self, Finetune.self, Fisher.self, Eval.self, Recommend.self, Plot.self, Scaling.self,
            ]),
            CommandGroup(name: "Local registry", subcommands: [
                Init.self, Add.self, List.self, Show.self, Log.self, Tag.self, Remove.self, Diff.self,
                Checkout.self, Export.self, Import.self, GC.self, Verify.self,
            ]),
            CommandGroup(name: "Hub", subcommands: [Serve.self, Token.self, Remote.self, Login.self, Logout.self, Whoami.self, Push.self, Pull.self, Search.self]),
        ])

    public init() {}

    /// For a first argument that names no command: the closest command's name, when one is close
    /// (at most two edits, as git's "did you mean"); nil when the argument is a command or an option.
    public static func suggestion(for argument: String) -> String? {
        guard !argument.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.flatMap { [$0._commandName] + $0.configuration.aliases } + ["help"]
        guard !names.contains(argument) else { return nil }
        let ranked = names.map { ($0, editDistance($0, argument)) }.min { $0.1 < $1.1 }
        return ranked.flatMap { $0.1 <= 2 ? $0.0 : nil }
    }

    /// Levenshtein distance: insertions, deletions and substitutions.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
