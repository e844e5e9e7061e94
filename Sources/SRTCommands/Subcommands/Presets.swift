import ArgumentParser
import SRTModel

struct Presets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the architecture presets (models/srt-*.json).",
        discussion: """
            Presets are found in $SRTHUB_MODELS, ./models, or the models/ folder of the checkout the \
            executable was built in. Parameter counts cover the transformer (positions, input \
            LayerNorm, layers); the text encoder's token tables and adapter come on top.
            """)

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        guard let catalog = PresetCatalog.locate() else {
            throw Failure.report(ModelError.presetNotFound(name: "*", searched: ["$SRTHUB_MODELS", "./models"]))
        }
        let presets = try Failure.reporting { try catalog.all() }
        if json {
            try printJSON(presets)
            return
        }
        var table = TextTable(header: ["preset", "layers", "heads", "hidden", "inner", "max len", "dropout", "params"])
        for p in presets {
            table.rows.append([p.name, "\(p.layers)", "\(p.heads)", "\(p.hidden)", "\(p.inner)", "\(p.maxLength)",
                               "\(p.hiddenDropout)", grouped(p.transformerParameters)])
        }
        print(table.render())
    }
}
