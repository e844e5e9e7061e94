import Foundation
import SRTOCI

/// checkout (files into a folder) and export/import as an OCI image-layout directory, the
/// standard offline bundle (`oci-layout`, `index.json`, `blobs/sha256/<hex>`) that ORAS and other
/// OCI tools read, for machines with no network.
extension Registry {
    /// Writes config.json and every layer under its title into `folder`; each file appears whole
    /// (temp file + rename) and is checked against its digest.
    public func checkout(_ reference: Reference, into folder: String) throws(RegistryError) -> [String] {
        let (manifest, _) = try manifest(try resolve(reference))
        try makeFolder(folder)
        var written: [String] = []
        for (name, blob) in [("config.json", manifest.config)] + manifest.layers.compactMap({ l in l.title.map { ($0, l) } }) {
            guard !name.contains("/"), name != "..", name != "." else {
                throw RegistryError(.badLayout, "layer title '\(name)' is not a plain file name")
            }
            try copyBlob(blob.digest, to: folder + "/" + name)
            written.append(name)
        }
        return written
    }

    /// A model manifest's files (config.json and each titled layer) as symbolic links to their
    /// blobs in a new folder under the registry's tmp/, for a check that reads them as a checkpoint
    /// folder before the manifest is accepted; nil when it is not an srthub model or a blob is
    /// missing (then storing it fails on its own). The caller removes the folder.
    public func linkedCheckpoint(_ manifest: ImageManifest) -> String? {
        guard manifest.artifactType == MediaType.model else { return nil }
        let files = [("config.json", manifest.config)] + manifest.layers.compactMap { l in l.title.map { ($0, l) } }
        guard files.allSatisfy({ !$0.0.contains("/") && $0.0 != ".." && $0.0 != "." && blobs.contains($0.1.digest) }) else { return nil }
        let folder = home.tmpPath + "/check-" + UUID().uuidString
        guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil else { return nil }
        // Absolute targets: a link's relative target resolves from the link's own folder, so a home
        // given as a relative path (`serve --home .cache/hub`) linked nothing and refused every push.
        for (name, blob) in files { symlink(URL(fileURLWithPath: home.blobPath(blob.digest)).path, folder + "/" + name) }
        return folder
    }

    public struct ExportResult: Codable, Sendable {
        public let folder: String
        public let manifest: Digest
        public let blobs: Int
        public let bytes: Int
    }

    /// Exports a checkpoint (manifest, config, layers, and its evaluations as an `eval.json` layer
    /// of a referrer artifact) to an OCI image layout. Adds to an existing layout's index.
    public func export(_ reference: Reference, to folder: String) throws(RegistryError) -> ExportResult {
        let digest = try resolve(reference)
        let (manifest, bytes) = try manifest(digest)
        try makeFolder(folder + "/blobs/sha256")
        try writeAtomically(Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: folder + "/oci-layout")
        var count = 0, total = 0
        for blob in manifest.blobs {
            try copyBlob(blob.digest, to: folder + "/blobs/sha256/" + blob.digest.hex)
            count += 1
            total += blob.size
        }
        try writeAtomically(bytes, to: folder + "/blobs/sha256/" + digest.hex)
        var entries = [Descriptor(mediaType: MediaType.imageManifest, digest: digest, size: bytes.count,
                                  annotations: [refNameAnnotation: reference.digest == nil ? reference.with(tag: reference.tagOrDefault).description : digest.description],
                                  artifactType: manifest.artifactType)]
        // Evaluations travel as a small referrer artifact whose subject is the model.
        if let artifact = try evaluationArtifact(for: digest) {
            for blob in artifact.blobs { try writeAtomically(blob, to: folder + "/blobs/sha256/" + Digest(hashing: blob).hex) }
            let artifactDigest = Digest(hashing: artifact.manifest)
            try writeAtomically(artifact.manifest, to: folder + "/blobs/sha256/" + artifactDigest.hex)
            entries.append(Descriptor(mediaType: MediaType.imageManifest, digest: artifactDigest, size: artifact.manifest.count,
                                      artifactType: MediaType.evaluation))
        }
        var index = (try? JSONDecoder().decode(ImageIndex.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/index.json"))))
            ?? ImageIndex(manifests: [])
        index.manifests.removeAll { old in entries.contains { $0.digest == old.digest } }
        index.manifests += entries
        try writeAtomically(try! JSONEncoder.sorted.encode(index), to: folder + "/index.json")
        return ExportResult(folder: folder, manifest: digest, blobs: count + 1, bytes: total + bytes.count)
    }

    public struct ImportedCheckpoint: Codable, Sendable {
        public let reference: String?
        public let digest: Digest
    }

    /// Imports every srthub checkpoint of an OCI image layout, verifying each blob's digest and
    /// size before it becomes visible. `tag` overrides the layout's ref name (one checkpoint only).
    public func importLayout(from folder: String, tag override: Reference? = nil) throws(RegistryError) -> [ImportedCheckpoint] {
        guard let indexData = FileManager.default.contents(atPath: folder + "/index.json") else {
            throw RegistryError(.badLayout, "\(folder): no index.json", hint: "pass a folder written by `srthub export` (an OCI image layout)")
        }
        guard let index = try? JSONDecoder().decode(ImageIndex.self, from: indexData) else {
            throw RegistryError(.badLayout, "\(folder)/index.json is not an OCI image index")
        }
        let lock = try RegistryLock(path: home.lockPath, mode: .shared)
        defer { withExtendedLifetime(lock) {} }
        var imported: [ImportedCheckpoint] = []
        var models = index.manifests.filter { $0.artifactType != MediaType.evaluation }
        if override != nil && models.count != 1 {
            throw RegistryError(.badLayout, "\(folder) holds \(models.count) checkpoints; --tag needs exactly one")
        }
        models.sort { ($0.annotations?[refNameAnnotation] ?? "") < ($1.annotations?[refNameAnnotation] ?? "") }
        for entry in models {
            let (manifest, bytes) = try readVerified(entry, in: folder)
            for blob in manifest.blobs {
                let (_, size) = try blobs.store(fileAt: folder + "/blobs/sha256/" + blob.digest.hex, expected: blob.digest)
                guard size == blob.size else {
                    throw RegistryError(.digestMismatch, "blob \(blob.digest): \(size) bytes, the manifest says \(blob.size)")
                }
            }
            var reference = override
            if reference == nil, let name = entry.annotations?[refNameAnnotation] {
                do { reference = try Reference(parsing: name) } catch {
                    throw RegistryError(.badLayout, "\(folder): ref name: \(error)")
                }
            }
            let metadata = try CheckpointMetadata(configJSON: blobs.read(manifest.config.digest))
            try record(manifest: manifest, bytes: bytes, digest: entry.digest, tag: reference?.digest == nil ? reference : nil,
                       metadata: metadata, evaluations: [])
            imported.append(ImportedCheckpoint(reference: reference?.description, digest: entry.digest))
        }
        for entry in index.manifests where entry.artifactType == MediaType.evaluation {
            let (manifest, _) = try readVerified(entry, in: folder)
            guard let subject = manifest.subject?.digest, imported.contains(where: { $0.digest == subject }),
                  let layer = manifest.layers.first else { continue }
            let path = folder + "/blobs/sha256/" + layer.digest.hex
            guard let data = FileManager.default.contents(atPath: path), Digest(hashing: data) == layer.digest else {
                throw RegistryError(.digestMismatch, "\(path) does not match its digest")
            }
            for evaluation in try Evaluation.decodeList(data, path: path) { try addEvaluation(evaluation, for: subject) }
        }
        return imported
    }

    private func readVerified(_ entry: Descriptor, in folder: String) throws(RegistryError) -> (ImageManifest, Data) {
        let path = folder + "/blobs/sha256/" + entry.digest.hex
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw RegistryError(.badLayout, "\(path): missing manifest blob")
        }
        guard Digest(hashing: bytes) == entry.digest, bytes.count == entry.size else {
            throw RegistryError(.digestMismatch, "\(path): content does not match \(entry.digest)", hint: "the bundle is corrupt; export it again")
        }
        guard let manifest = try? JSONDecoder().decode(ImageManifest.self, from: bytes) else {
            throw RegistryError(.badLayout, "\(path): not an OCI image manifest")
        }
        return (manifest, bytes)
    }

    private func copyBlob(_ digest: Digest, to path: String) throws(RegistryError) {
        let data = try blobs.read(digest)
        guard Digest(hashing: data) == digest else {
            throw RegistryError(.digestMismatch, "stored blob \(digest) is corrupt", hint: "run `srthub verify`")
        }
        try writeAtomically(data, to: path)
    }

    private func makeFolder(_ folder: String) throws(RegistryError) {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw RegistryError.fromErrno(EACCES, path: folder, doing: "creating the folder")
        }
    }

    func writeAtomically(_ data: Data, to path: String) throws(RegistryError) {
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            let code = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code ?? Int(EIO)
            throw RegistryError.fromErrno(Int32(code), path: path, doing: "writing")
        }
    }
}
