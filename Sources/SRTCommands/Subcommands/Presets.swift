import ArgumentParser
import SRTModel

struct Presets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the architecture presets (models/srt-*.json).",
        discussion: """
            Presets are built into srthub; a preset file of the same name in $SRTHUB_MODELS, ./models, \
            or the models/ folder of the checkout the executable was built in overrides it. Eight are \
            the SRT paper's Table 3 (their descriptions say so); the others are extras. Parameter counts cover the transformer (positions, input \
            LayerNorm, layers); the text encoder's token tables and adapter come on top.
            """)

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let catalog = PresetCatalog.locate()
        let presets = try Failure.reporting { try catalog.all() }
        if json {
            try printJSON(presets)
            return
        }
        var table = TextTable(header: ["preset", "layers", "heads", "hidden", "inner", "max len", "dropout", "params", "Table 3", "from"])
        for p in presets {
            let paper = (p.description ?? "").hasPrefix("the SRT paper's Table 3") ? "yes" : "extra"
            table.rows.append([p.name, "\(p.layers)", "\(p.heads)", "\(p.hidden)", "\(p.inner)", "\(p.maxLength)",
                               "\(p.hiddenDropout)", grouped(p.transformerParameters), paper, catalog.source(of: p.name)])
        }
        print(table.render())
    }
}
