import ArgumentParser
import Foundation
import SRTOCI
import SRTRegistry

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a checkpoint: config, layers, lineage, evaluations (or its model card).",
        discussion: "Examples:\n  srthub show ml-100k:v1\n  srthub show ml-100k:v1 --card\n  srthub show ml-100k:v1 --card --stored   # the README.md layer as pushed")

    @Argument(help: "Checkpoint reference: name[:tag] or name@sha256:<hex>.", transform: parseReference)
    var reference: Reference

    @Flag(help: "Print the model card instead: titled by the tag asked for, with every evaluation the registry holds for the model (those `srthub eval` stored since it was added included).")
    var card = false
    @Flag(help: "With --card: print the README.md layer exactly as the image holds it (written by `add`; part of the model's digest).")
    var stored = false

    @OptionGroup var home: HomeOptions

    struct Details: Encodable {
        let digest: Digest
        let tags: [String]
        let config: String
        let layers: [Descriptor]
        let parent: Registry.LineageEdge?
        let children: [Registry.LineageEdge]
        let evaluations: [Registry.StoredEvaluation]
    }

    func run() async throws {
        let registry = try home.open()
        let details = try Failure.reporting {
            let digest = try registry.resolve(reference)
            let (manifest, _) = try registry.manifest(digest)
            return (Details(digest: digest, tags: try registry.tags(of: digest),
                            config: String(decoding: try registry.config(of: digest), as: UTF8.self),
                            layers: manifest.layers, parent: try registry.parentEdge(of: digest),
                            children: try registry.children(of: digest), evaluations: try registry.evaluations(of: digest)),
                    manifest)
        }
        let (d, manifest) = details
        if card {
            guard let layer = manifest.layer(titled: "README.md") else { throw Failure.report(RegistryError(.notFound, "this checkpoint has no model card")) }
            let text = try Failure.reporting {
                stored ? String(decoding: try registry.blobs.read(layer.digest), as: UTF8.self)
                       : try registry.currentCard(of: d.digest, title: reference.digest == nil ? reference.description : nil)
            }
            // As JSON: the card's text and where the image's own card lives (a script would otherwise get Markdown on stdout).
            if home.json { return try printJSON(["digest": d.digest.description, "card_digest": layer.digest.description, "markdown": text]) }
            return print(text, terminator: "")
        }
        if home.json { return try printJSON(d) }
        print("digest   \(d.digest)")
        print("tags     \(d.tags.joined(separator: ", "))")
        print("layers")
        for l in d.layers { print("  \((l.title ?? "?").padding(toLength: 20, withPad: " ", startingAt: 0)) \(megabytes(l.size).padding(toLength: 10, withPad: " ", startingAt: 0)) \(l.digest.short)  \(l.mediaType)") }
        if let p = d.parent { print("parent   \(p.parent)" + (p.method.map { " (\($0))" } ?? "")) }
        for c in d.children { print("child    \(c.child)" + (c.method.map { " (\($0))" } ?? "")) }
        if !d.evaluations.isEmpty {
            print("evaluations")
            for s in d.evaluations {
                let e = s.evaluation
                let metrics = e.metrics.keys.sorted().map { "\($0)=\(String(format: "%.4f", e.metrics[$0]!))" }.joined(separator: " ")
                print("  \(e.dataset ?? e.datasetFingerprint) \(e.protocol) \(e.mode): \(metrics)")
            }
        }
        print("config")
        print(d.config.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
    }
}
