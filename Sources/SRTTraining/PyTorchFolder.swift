import Foundation
import SRTModel

/// A checkpoint as a PyTorch team takes it (`srthub export --format pytorch`) and gives it back
/// (`srthub import --format pytorch`): the same folder, its weights and Fisher under the PyTorch
/// module's state-dict names (`PyTorchStateDict`) in pytorch_model.safetensors and
/// pytorch_fisher.safetensors; `safetensors.torch.load_file` then `SRT.load_state_dict` takes them
/// as they are. resume/ stays behind: it is srthub's optimizer state, not the model. Each file's
/// metadata and the tensors' order cross unchanged, so an export imported again is the checkpoint
/// it came from, byte for byte.
public enum PyTorchFolder {
    public static let weightsFile = "pytorch_model.safetensors"
    public static let fisherFile = "pytorch_fisher.safetensors"
    /// srthub's file → the export's.
    static let renamed = ["model.safetensors": weightsFile, "fisher.safetensors": fisherFile]

    public struct Written: Codable, Sendable {
        public let folder: String
        public let tensors: Int
        public let files: [String]
    }

    /// Writes `checkpoint` (validated first) as a PyTorch folder at `folder`.
    public static func export(checkpoint: String, to folder: String, replacing: Bool) throws -> Written {
        try Checkpoint.validate(checkpoint)
        try OutputFolder.check(folder, replacing: replacing)
        return try write(folder) { staged in
            try copy(from: checkpoint, to: staged) { name in
                guard let target = renamed[name] else { return .copy }
                return .convert(target) { tensors, _, _ in PyTorchStateDict.unfused(tensors) }
            }
        }
    }

    /// Writes the PyTorch folder `folder` (what `export` writes, or a torch module's state dict beside
    /// a checkpoint's other files) back as a checkpoint at `checkpoint`, validated before it appears.
    public static func importing(from folder: String, to checkpoint: String, replacing: Bool) throws -> Written {
        let fm = FileManager.default
        guard fm.fileExists(atPath: folder + "/" + weightsFile) else {
            let hint = fm.fileExists(atPath: folder + "/model.safetensors")
                ? "it holds model.safetensors: it is an srthub checkpoint already (srthub add takes it as it is)"
                : "a PyTorch folder is what `srthub export --format pytorch` writes"
            throw TrainingError.badCheckpoint("\(folder): no \(weightsFile) (\(hint))")
        }
        guard let data = fm.contents(atPath: folder + "/config.json"),
              let config = try? JSONDecoder().decode(CheckpointConfig.self, from: data) else {
            throw TrainingError.badCheckpoint("\(folder)/config.json: missing or not an srthub checkpoint config; the export's config.json must travel with its weights")
        }
        do { try config.model.validate() } catch { throw TrainingError.badCheckpoint("\(folder)/config.json: \(error)") }
        let layout = ParameterLayout(config.model)
        try OutputFolder.check(checkpoint, replacing: replacing)
        let original = Dictionary(uniqueKeysWithValues: renamed.map { ($1, $0) })
        return try write(checkpoint) { staged in
            try copy(from: folder, to: staged) { name in
                guard let target = original[name] else { return renamed[name] == nil ? .copy : .skip }  // a stray srthub-named file is not the export's
                return .convert(target) { _, byName, path in try PyTorchStateDict.fusing(byName, layout: layout, path: path) }
            }
            try Checkpoint.validate(staged)
        }
    }

    enum Action {
        case copy, skip
        /// Re-encode under a new file name: (tensors in file order, by name, path) → tensors.
        case convert(String, ([Safetensors.Tensor], [String: Safetensors.Tensor], String) throws -> [Safetensors.Tensor])
    }

    /// Every file at the top of `source` (resume/ and other folders are left out), copied or converted.
    static func copy(from source: String, to staged: String, action: (String) -> Action) throws {
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: source).sorted() {
            let path = source + "/" + name
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            switch action(name) {
            case .skip: continue
            case .copy: try fm.copyItem(atPath: path, toPath: staged + "/" + name)
            case .convert(let target, let convert):
                guard let data = fm.contents(atPath: path) else { throw TrainingError.badCheckpoint("\(path): unreadable") }
                let decoded = try Safetensors.decodeInFileOrder(data, path: path)
                let byName = Dictionary(uniqueKeysWithValues: decoded.tensors.map { ($0.name, $0) })
                try Safetensors.encode(try convert(decoded.tensors, byName, path), metadata: decoded.metadata)
                    .write(to: URL(fileURLWithPath: staged + "/" + target))
            }
        }
    }

    /// Stages the folder beside `destination` and moves it into place whole (`AtomicFolder.write`).
    static func write(_ destination: String, _ fill: (String) throws -> Void) throws -> Written {
        try AtomicFolder.write(destination) { staged in
            try fill(staged)
            let files = try FileManager.default.contentsOfDirectory(atPath: staged).sorted()
            let weights = files.first { $0 == weightsFile || $0 == "model.safetensors" }!
            let tensors = try Safetensors.decode(FileManager.default.contents(atPath: staged + "/" + weights) ?? Data(), path: weights).tensors.count
            return Written(folder: destination, tensors: tensors, files: files)
        }
    }
}
