/// Media types srthub reads and writes.
public enum MediaType {
    public static let imageManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let imageIndex = "application/vnd.oci.image.index.v1+json"
    public static let model = "application/vnd.srthub.model.v1"
    public static let modelConfig = "application/vnd.srthub.model.config.v1+json"
    public static let safetensors = "application/vnd.srthub.model.safetensors"
    public static let fisher = "application/vnd.srthub.fisher.safetensors"
    public static let tokenizer = "application/vnd.srthub.tokenizer.sentencepiece"
    public static let items = "application/vnd.srthub.items+tsv"
    public static let trainLog = "application/vnd.srthub.train-log.v1+jsonl"
    public static let evaluation = "application/vnd.srthub.evaluation.v1+json"
    public static let modelCard = "text/markdown"
    public static let empty = "application/vnd.oci.empty.v1+json"
}

/// The annotation that names a layer's file (as ORAS does).
public let titleAnnotation = "org.opencontainers.image.title"

/// A pointer to content: media type, digest, size, and optional annotations.
public struct Descriptor: Codable, Hashable, Sendable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int
    public var annotations: [String: String]?
    public var artifactType: String?

    public init(mediaType: String, digest: Digest, size: Int, annotations: [String: String]? = nil, artifactType: String? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
        self.artifactType = artifactType
    }

    /// The file name a layer had (`org.opencontainers.image.title`).
    public var title: String? { annotations?[titleAnnotation] }
}

/// An OCI image manifest (image-spec v1.1), the identity of a checkpoint: its digest is the
/// sha256 of its exact bytes, so those bytes are stored as they are and never re-encoded.
public struct ImageManifest: Codable, Hashable, Sendable {
    public var schemaVersion: Int = 2
    public var mediaType: String = MediaType.imageManifest
    public var artifactType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
    public var subject: Descriptor?
    public var annotations: [String: String]?

    public init(artifactType: String?, config: Descriptor, layers: [Descriptor], subject: Descriptor? = nil,
                annotations: [String: String]? = nil) {
        self.artifactType = artifactType
        self.config = config
        self.layers = layers
        self.subject = subject
        self.annotations = annotations
    }

    /// Every blob the manifest points to: config first, then layers.
    public var blobs: [Descriptor] { [config] + layers }

    public func layer(titled title: String) -> Descriptor? { layers.first { $0.title == title } }
}

/// An OCI image index, as the `index.json` of an image-layout directory.
public struct ImageIndex: Codable, Sendable {
    public var schemaVersion: Int = 2
    public var mediaType: String? = MediaType.imageIndex
    public var manifests: [Descriptor]
    public var artifactType: String?
    /// A referrers-tag index (registries without the referrers API) may itself have none; kept for artifacts that do.
    public var subject: Descriptor?
    public var annotations: [String: String]?

    public init(manifests: [Descriptor]) { self.manifests = manifests }
}

/// The annotation naming a manifest's tag in an image layout's index.json.
public let refNameAnnotation = "org.opencontainers.image.ref.name"
