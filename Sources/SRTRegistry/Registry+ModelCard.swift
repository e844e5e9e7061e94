import Foundation
import SRTOCI

extension Registry {
    /// The model card as it reads today: the checkpoint's config with every evaluation the registry
    /// holds for it (those `eval` stored after `add` included), titled `title` (the tag a user asked
    /// for) or the name the checkpoint was trained under. The README.md layer inside the image
    /// stays as `add` wrote it: changing it would change the model's digest.
    public func currentCard(of digest: Digest, title: String? = nil) throws(RegistryError) -> String {
        let (manifest, _) = try self.manifest(digest)
        let metadata = try CheckpointMetadata(configJSON: try config(of: digest))
        let files = manifest.layers.filter { $0.title != "README.md" }
        var card = ModelCard(metadata: metadata, evaluations: try evaluations(of: digest).map(\.evaluation), layers: files)
        card.title = title
        return card.markdown
    }
}
