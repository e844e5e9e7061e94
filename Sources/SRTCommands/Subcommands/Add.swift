import ArgumentParser
import Foundation
import SRTOCI
import SRTTraining

struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a checkpoint folder into the registry and tag it.",
        discussion: """
            The folder holds config.json, model.safetensors, tokenizer.model, and optionally \
            fisher.safetensors and eval.json. Adding the same folder twice gives the same digest and \
            stores nothing new. A model card (README.md) is generated from config and evaluations.

            Examples:
              srthub add runs/ml-100k --tag ml-100k:v1
              srthub add runs/shop --tag team/shop:finetuned --json
            """)

    @Argument(help: "Checkpoint folder.")
    var folder: String

    @Option(help: "Name to tag it with: [namespace/]name[:tag] (tag defaults to latest).", transform: parseReference)
    var tag: Reference

    @Flag(help: "Add a checkpoint whose run was stopped before its end (config.json says \"complete\": false).") var allowIncomplete = false
    @OptionGroup var home: HomeOptions

    func run() async throws {
        if !allowIncomplete, let data = FileManager.default.contents(atPath: folder + "/config.json"),
           let config = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], config["complete"] as? Bool == false {
            throw Failure.report(TrainingError.badCheckpoint("\(folder): its run was stopped before its end (no Fisher, no test figures); "
                + "finish it with srthub train --resume \(folder), or pass --allow-incomplete"))
        }
        // A checkpoint enters the registry only if every command could load it.
        try Failure.reporting { try Checkpoint.validate(folder) }
        let registry = try home.open()
        let result = try Failure.reporting { try registry.add(checkpoint: folder, as: tag) }
        if home.json { return try printJSON(result) }
        let what = result.alreadyPresent ? "already stored" : "stored \(result.storedBlobs) new blob(s), \(megabytes(result.storedBytes))"
        print("\(result.reference) → \(result.digest) (\(what))")
        if let moved = result.movedFrom {
            // Tags move as docker's do; say so, and what still names the old model.
            let users = result.movedFromUsedBy
            print("moved \(result.reference) from \(moved.short)" + (users > 0
                ? "; \(moved.short) is the base of \(users) model(s), which name it by digest, so their lineage stays" : ""))
        }
    }
}
