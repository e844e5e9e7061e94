import Foundation
import SRTData
import SRTModel

public enum FisherRun {
    /// Computes the diagonal Fisher of a checkpoint on `dataPath`'s training split and writes it
    /// into the folder as fisher.safetensors (temp file + rename), each batch split across `threads`
    /// workers (the caller keeps OpenBLAS at one thread). Returns the batches used.
    public static func run(checkpoint folder: String, dataPath: String, load: LoadOptions, splitProtocol: SplitProtocol,
                           maxBatches: Int, threads: Int = 1) throws -> Int {
        let dataset = try DatasetLoader.load(dataPath, options: load)
        let split = try dataset.split(splitProtocol)
        var options = loaded(folder)?.training ?? TrainingOptions()
        options.threads = threads  // how the recipe was trained does not decide how this machine computes
        let loaded = try Checkpoint.load(from: folder, scoring: dataset.catalog, maxBatch: options.networkBatch)
        guard loaded.network.shape.items == loaded.config.model.items || loaded.config.model.itemEncoder.kind == .text else {
            throw TrainingError.badData("an ID-based model's Fisher needs the data it was trained on")
        }
        let trainer = Trainer(network: loaded.network, split: split, options: options)
        let fisher = trainer.fisher(maxBatches: maxBatches)
        let network = loaded.network
        let tensors = network.layout.entries.map { Safetensors.Tensor(name: $0.name, shape: $0.shape, values: Array(fisher[$0.range])) }
        let data = Safetensors.encode(tensors, metadata: ["format": "pt", "srthub": "diagonal Fisher information"])
        try data.write(to: URL(fileURLWithPath: folder + "/fisher.safetensors"), options: .atomic)
        return min(maxBatches, trainer.stepsPerEpoch)
    }

    static func loaded(_ folder: String) -> CheckpointConfig? {
        FileManager.default.contents(atPath: folder + "/config.json").flatMap { try? JSONDecoder().decode(CheckpointConfig.self, from: $0) }
    }
}
