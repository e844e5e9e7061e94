import Crypto
import Foundation
import SRTOCI

/// A checkpoint folder as the OCI image `add` makes of it: its config, file layers, model card and
/// manifest, each with its digest. `add` stores the files as it hashes them; `digest(ofCheckpointAt:)`
/// only hashes, so a folder can name the digest it has in any registry (a fine-tune of a folder
/// records its base by that digest, never by a local path).
struct CheckpointImage {
    let metadata: CheckpointMetadata
    let evaluations: [Evaluation]
    let configData: Data
    let cardData: Data
    let manifest: ImageManifest
    let bytes: Data
    let digest: Digest

    /// `hashFile` gives a file's digest and size (`add` stores the file as it hashes it).
    init(folder: String, hashFile: (String) throws(RegistryError) -> (Digest, Int)) throws(RegistryError) {
        let fm = FileManager.default
        let configPath = folder + "/config.json"
        guard let configData = fm.contents(atPath: configPath) else {
            throw RegistryError(.badCheckpoint, "\(folder): no config.json",
                                hint: "a checkpoint folder holds config.json and model.safetensors, and tokenizer.model for text models (srthub train --out writes one)")
        }
        metadata = try CheckpointMetadata(configJSON: configData)
        var evaluations: [Evaluation] = []
        for name in Registry.evaluationFiles {
            if let data = fm.contents(atPath: folder + "/" + name) { evaluations += try Evaluation.decodeList(data, path: folder + "/" + name) }
        }
        self.evaluations = evaluations
        for (file, _, required) in Registry.layerFiles where required && !fm.fileExists(atPath: folder + "/" + file) {
            throw RegistryError(.badCheckpoint, "\(folder): no \(file)",
                                hint: "a checkpoint folder holds config.json and model.safetensors (srthub train --out writes one)")
        }
        self.configData = configData
        var layers: [Descriptor] = []
        for (file, mediaType, _) in Registry.layerFiles where fm.fileExists(atPath: folder + "/" + file) {
            let (digest, size) = try hashFile(folder + "/" + file)
            layers.append(Descriptor(mediaType: mediaType, digest: digest, size: size, annotations: [titleAnnotation: file]))
        }
        cardData = Data(ModelCard(metadata: metadata, evaluations: evaluations, layers: layers).markdown.utf8)
        layers.append(Descriptor(mediaType: MediaType.modelCard, digest: Digest(hashing: cardData), size: cardData.count,
                                 annotations: [titleAnnotation: "README.md"]))
        var annotations: [String: String] = [:]
        if let created = metadata.created { annotations["org.opencontainers.image.created"] = created }
        if let parent = metadata.parent { annotations["org.opencontainers.image.base.digest"] = parent.description }
        if let parentName = metadata.parentReference { annotations["org.opencontainers.image.base.name"] = parentName }
        manifest = ImageManifest(
            artifactType: MediaType.model,
            config: Descriptor(mediaType: MediaType.modelConfig, digest: Digest(hashing: configData), size: configData.count),
            layers: layers, annotations: annotations.isEmpty ? nil : annotations)
        bytes = Registry.encode(manifest)
        digest = Digest(hashing: bytes)
    }

    /// A file's sha256 and size, read in 4 MB chunks.
    static func hash(fileAt path: String) throws(RegistryError) -> (Digest, Int) {
        guard let input = FileHandle(forReadingAtPath: path) else { throw RegistryError(.notFound, "\(path): cannot read the file") }
        defer { try? input.close() }
        var hasher = SHA256()
        var size = 0
        while true {
            let chunk: Data
            do { chunk = try input.read(upToCount: 1 << 22) ?? Data() } catch { throw RegistryError(.storage, "\(path): read failed: \(error)") }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
            size += chunk.count
        }
        return (Digest(hasher.finalize()), size)
    }
}

extension Registry {
    /// The manifest digest `add` gives the checkpoint in `folder`, in this registry or any other;
    /// nothing is stored.
    public static func digest(ofCheckpointAt folder: String) throws(RegistryError) -> Digest {
        try CheckpointImage(folder: folder, hashFile: CheckpointImage.hash(fileAt:)).digest
    }
}
