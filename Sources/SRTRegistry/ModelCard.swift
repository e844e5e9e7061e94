import Foundation
import SRTOCI

/// The README.md layer of a checkpoint: YAML front matter in the style of Hugging Face model
/// cards (base_model, datasets, model-index results), then a short human description. Built only
/// from the checkpoint's own files, so the same folder always gives the same card (and digest).
struct ModelCard {
    let metadata: CheckpointMetadata
    let evaluations: [Evaluation]
    let layers: [Descriptor]

    /// JSON strings are valid YAML scalars, so every string is written JSON-quoted.
    private func quoted(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed, .withoutEscapingSlashes]), as: UTF8.self)
    }

    var name: String { metadata.fields["name"].flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) as? String } ?? "srthub model" }

    var markdown: String {
        var y = ["---", "library_name: srthub", "tags:", "- sequential-recommendation", "- srt"]
        if let parent = metadata.parent {
            y.append("base_model: \(quoted(metadata.parentReference ?? parent.description))")
            if metadata.method?.hasPrefix("finetune") == true { y.append("base_model_relation: finetune") }
        }
        let datasets = Array(Set([metadata.datasetFingerprint].compactMap { $0 } + metadata.catalogs.map(\.fingerprint)
                                 + evaluations.map(\.datasetFingerprint))).sorted()
        if !datasets.isEmpty { y.append("datasets:"); y += datasets.map { "- \(quoted($0))" } }
        let sortedEvaluations = evaluations.sorted { ($0.datasetFingerprint, $0.protocol, $0.mode.description) < ($1.datasetFingerprint, $1.protocol, $1.mode.description) }
        if !sortedEvaluations.isEmpty {
            y += ["model-index:", "- name: \(quoted(name))", "  results:"]
            for e in sortedEvaluations {
                y += ["  - task:", "      type: sequential-recommendation",
                      "    dataset:", "      type: \(quoted(e.datasetFingerprint))", "      name: \(quoted(e.dataset ?? e.datasetFingerprint))",
                      "      args:", "        protocol: \(quoted(e.protocol))", "        mode: \(quoted(e.mode.description))",
                      "    metrics:"]
                for key in e.metrics.keys.sorted() {
                    y += ["    - type: \(quoted(key))", "      value: \(e.metrics[key]!)"]
                }
            }
        }
        y.append("---")

        var body = ["", "# \(name)", ""]
        body.append("A sequential-recommendation transformer (SRT) checkpoint managed by srthub.")
        if let parameters = metadata.parameters { body.append("Parameters: \(parameters).") }
        if let dataset = metadata.dataset ?? metadata.datasetFingerprint { body.append("Trained on: \(dataset).") }
        if metadata.catalogs.count > 1 {
            body.append("Catalogs: " + metadata.catalogs.map { "\($0.name ?? "?") (\($0.fingerprint))" }.joined(separator: ", ") + ".")
        }
        if let method = metadata.method { body.append("How it was made: \(method).") }
        if let parent = metadata.parent { body.append("Base model: \(metadata.parentReference ?? "") \(parent)".replacingOccurrences(of: "  ", with: " ")) }
        body += ["", "Files: " + layers.compactMap(\.title).joined(separator: ", ") + ", config.json."]
        if !sortedEvaluations.isEmpty {
            body += ["", "| dataset | protocol | mode | metrics |", "|---|---|---|---|"]
            for e in sortedEvaluations {
                let m = e.metrics.keys.sorted().map { "\($0) \(String(format: "%.4f", e.metrics[$0]!))" }.joined(separator: ", ")
                body.append("| \(e.dataset ?? e.datasetFingerprint) | \(e.protocol) | \(e.mode) | \(m) |")
            }
        }
        let compared = sortedEvaluations.filter { !($0.baselines ?? []).isEmpty }
        if !compared.isEmpty {
            body += ["", "## Against baselines", "",
                     "The model minus each baseline on the same users, with the 95% interval of the difference from a paired bootstrap over the users.",
                     "", "| dataset | protocol | mode | baseline | metric | baseline's value | model − baseline [95% CI] |", "|---|---|---|---|---|---:|---:|"]
            func signed(_ x: Double) -> String { (x >= 0 ? "+" : "−") + String(format: "%.4f", abs(x)) }
            for e in compared {
                for b in e.baselines ?? [] {
                    body.append("| \(e.dataset ?? e.datasetFingerprint) | \(e.protocol) | \(e.mode) | \(b.name) | \(b.metric) | "
                                + "\(String(format: "%.4f", b.value)) | \(signed(b.difference)) [\(signed(b.low)), \(signed(b.high))] |")
                }
            }
        }
        return (y + body).joined(separator: "\n") + "\n"
    }
}
