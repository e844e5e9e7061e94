import ArgumentParser

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the tagged checkpoints in the registry.",
        discussion: "Columns: name:tag, short digest, size, parameters, created, the dataset it was trained on, and its test NDCG@10 there (full ranking, history masked; – where that evaluation is missing). `srthub show` lists every stored evaluation.",
        aliases: ["ls"])

    @OptionGroup var home: HomeOptions

    func run() async throws {
        let entries = try Failure.reporting { try home.open().list() }
        if home.json { return try printJSON(entries) }
        var table = TextTable(header: ["NAME", "DIGEST", "SIZE", "PARAMS", "CREATED", "DATASET", "TEST NDCG@10"])
        for e in entries {
            table.rows.append([e.reference, e.digest.short, megabytes(e.size), e.parameters.map(grouped) ?? "-",
                               String(e.created.prefix(19)), e.dataset ?? "–", e.testNDCG10.map { String(format: "%.4f", $0) } ?? "–"])
        }
        print(table.render())
    }
}
