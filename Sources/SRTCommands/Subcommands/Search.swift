import ArgumentParser
import Foundation
import SRTClient
import SRTOCI
import SRTRegistry

/// What a hub holds: its repositories (the registry's `/v2/_catalog`), each tag with the model's
/// size, parameters, dataset, validation NDCG@10 and date, read from its manifest and config.
struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the models a remote registry holds, optionally those whose name contains TERM.",
        discussion: """
            Works against srthub serve and any registry with the catalog API (the CNCF registry). \
            Referrer tags (sha256-…) are left out.

            Examples:
              srthub search origin
              srthub search 127.0.0.1:5055 beauty --json
            """)

    @Argument(help: "A remote name (srthub remote list) or host:port.") var remote: String
    @Argument(help: "Only repositories whose name contains this.") var term: String?
    @OptionGroup var home: HomeOptions

    struct Entry: Codable {
        let repository: String
        let tag: String
        let digest: String?
        let size: Int?
        let parameters: Int?
        let dataset: String?
        let validationNDCG10: Double?
        let created: String?

        enum CodingKeys: String, CodingKey {
            case repository, tag, digest, size, parameters, dataset, created
            case validationNDCG10 = "validation_ndcg@10"
        }
    }

    func run() async throws {
        let entries = try Failure.reporting { () throws(ClientError) -> [Entry] in
            let registry = try config(home).registry(remote)
            var entries: [Entry] = []
            for name in try registry.catalog() where term.map({ name.contains($0.lowercased()) }) ?? true {
                let repository = registry.repository(name)
                for tag in try repository.tags() where !tag.hasPrefix("sha256-") {
                    entries.append(Self.describe(repository, tag: tag))
                }
            }
            return entries
        }
        if home.json { return try printJSON(entries) }
        var table = TextTable(header: ["NAME", "DIGEST", "SIZE", "PARAMS", "DATASET", "VALID NDCG@10", "CREATED"])
        for e in entries {
            table.rows.append([e.repository + ":" + e.tag, e.digest.map { String($0.dropFirst(7).prefix(12)) } ?? "–",
                               e.size.map(megabytes) ?? "–", e.parameters.map(grouped) ?? "–", e.dataset ?? "–",
                               e.validationNDCG10.map { String(format: "%.4f", $0) } ?? "–", e.created.map { String($0.prefix(19)) } ?? "–"])
        }
        print(table.render())
    }

    /// A tag's model, from its manifest and config; what cannot be read stays empty.
    static func describe(_ repository: RemoteRegistry, tag: String) -> Entry {
        guard let (bytes, _, digest) = try? repository.manifest(tag), let manifest = try? JSONDecoder().decode(ImageManifest.self, from: bytes) else {
            return Entry(repository: repository.repository, tag: tag, digest: nil, size: nil, parameters: nil, dataset: nil, validationNDCG10: nil, created: nil)
        }
        let size = manifest.layers.reduce(manifest.config.size) { $0 + $1.size }
        let config = (try? repository.smallBlob(manifest.config.digest)).flatMap { try? CheckpointMetadata(configJSON: $0) }
        let validation = config?.fields["validation_ndcg@10"].flatMap(Double.init)
        return Entry(repository: repository.repository, tag: tag, digest: digest.description, size: size, parameters: config?.parameters,
                     dataset: config?.dataset, validationNDCG10: validation, created: config?.created)
    }
}
