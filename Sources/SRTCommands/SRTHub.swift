import ArgumentParser

/// The root command: configuration only (STYLE.md habit 7).
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
public struct SRTHub: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "srthub",
        abstract: "A hub for pretrained sequential-recommendation transformers (SRT).",
        discussion: """
            Pull a pretrained model, fine-tune it onto your catalog, evaluate it against baselines,
            and publish it. Datasets are RecBole atomic files (NAME.inter + NAME.item) or
            CSV/TSV/JSONL with named columns.
            """,
        version: "0.1.0",
        subcommands: [
            DataCommand.self, Presets.self, Train.self, Finetune.self, Fisher.self, Eval.self, Recommend.self,
            Init.self, Add.self, List.self, Show.self, Log.self, Tag.self, Remove.self, Diff.self,
            Checkout.self, Export.self, Import.self, GC.self, Verify.self,
            Serve.self, Token.self, Remote.self, Login.self, Push.self, Pull.self,
        ])

    public init() {}
}
