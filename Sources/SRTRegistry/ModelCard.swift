import Foundation
import SRTOCI

/// The README.md layer of a checkpoint: YAML front matter in the style of Hugging Face model
/// cards (base_model, datasets, model-index results), then a short human description. Built only
/// from the checkpoint's own files, so the same folder always gives the same card (and digest).
struct ModelCard {
    let metadata: CheckpointMetadata
    let evaluations: [Evaluation]
    let layers: [Descriptor]
    /// What the card calls the model (`show --card` passes the tag asked for); nil: the name it was trained under.
    var title: String?

    /// The loss as the CLI spells it, from config.json's encoding (`training.loss.sampledSoftmax.negatives` → ssm:K).
    static func loss(_ fields: [String: String], key: String) -> String? {
        guard key == "training.loss" else { return nil }
        if let text = fields["training.loss"], let spelled = try? JSONDecoder().decode(String.self, from: Data(text.utf8)) { return spelled }
        if let k = fields["training.loss.sampledSoftmax.negatives"] { return "ssm:\(k)" }
        if fields["training.loss.fullCrossEntropy"] != nil { return "ce" }
        if fields["training.loss.binaryCrossEntropy"] != nil { return "bce" }
        return nil
    }

    var name: String { title ?? trainedName }
    private var trainedName: String { metadata.fields["name"].flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) as? String } ?? "srthub model" }

    var frontMatter: ModelCardFrontMatter {
        var front = ModelCardFrontMatter(license: metadata.license ?? "other")
        if let parent = metadata.parent {
            front.baseModel = metadata.parentReference ?? parent.description
            if metadata.method?.hasPrefix("finetune") == true { front.baseModelRelation = "finetune" }
        }
        // Datasets by name (the fingerprint, which pins the exact data, is each result's revision).
        var names: [String] = []
        for name in metadata.catalogs.map({ $0.name ?? $0.fingerprint }) + [metadata.dataset].compactMap({ $0 })
            + evaluations.map({ $0.dataset ?? $0.datasetFingerprint }) where !names.contains(name) { names.append(name) }
        if !names.isEmpty { front.datasets = names }
        let evaluations = sortedEvaluations
        if !evaluations.isEmpty {
            front.modelIndex = [.init(name: name, results: evaluations.map { e in
                let dataset = e.dataset ?? e.datasetFingerprint
                return .init(dataset: .init(type: dataset, name: dataset, revision: e.datasetFingerprint,
                                            args: .init(protocol: e.protocol, mode: e.mode.description)),
                             metrics: e.metrics.keys.sorted().map { .init(type: $0, name: "\($0.uppercased()) (\(e.mode))", value: .init(e.metrics[$0]!)) })
            })]
        }
        return front
    }

    private var sortedEvaluations: [Evaluation] {
        evaluations.sorted { ($0.datasetFingerprint, $0.protocol, $0.mode.description) < ($1.datasetFingerprint, $1.protocol, $1.mode.description) }
    }

    var markdown: String {
        // Encoding plain strings, numbers and lists cannot fail.
        let y = ["---", (try! frontMatter.yaml()).trimmingCharacters(in: .newlines), "---"]

        let sortedEvaluations = self.sortedEvaluations  // sorted once for the body's three tables
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
        body += ["", "## Usage", "", "```bash",
                 "srthub pull HUB/NAMESPACE/NAME:TAG --tag model:v1       # the name this model was pushed under",
                 "srthub recommend model:v1 --history ITEM,ITEM -k 10      # items are ids of its items.tsv",
                 "srthub finetune model:v1 --data YOUR-CATALOG --out runs/yours   # onto your own items",
                 "srthub eval runs/yours --data YOUR-CATALOG --baselines pop,scratch",
                 "```", "", "In Python: `pip install ./python` from the srthub repository, then `srthub.load(folder)`."]
        let recipe = [("loss", "training.loss"), ("epochs", "training.epochs"), ("learning rate", "training.learning_rate"),
                      ("batch", "training.batch"), ("token dropout", "training.token_dropout"),
                      ("decoupled weight decay", "training.decoupled_weight_decay"), ("base mix α", "fine_tuning.base_mix.alpha"), ("best epoch", "best_epoch"), ("validation NDCG@10", "validation_ndcg@10"),
                      ("text baseline's validation NDCG@10", "fine_tuning.text_baseline_validation_ndcg@10"),
                      ("seen interactions", "seen_interactions"), ("FLOPs", "flops")]
            .compactMap { label, key in (Self.loss(metadata.fields, key: key) ?? metadata.fields[key]).map { "\(label) \($0)" } }
            + (metadata.fields["model.item_encoder.item_ids"] == "true" ? ["item IDs: a row per item of its catalog added to the text encoding (other items are scored by text alone)"] : [])
        if !recipe.isEmpty { body += ["", "## Training", "", recipe.joined(separator: "; ") + "."] }
        if !sortedEvaluations.isEmpty {
            body += ["", "## Evaluation", "", "| dataset | protocol | mode | metrics |", "|---|---|---|---|"]
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
        body += ["", "## Limitations", "",
                 "Measured only on the datasets and protocols listed above (test split, ranked as the mode says). The model ranks items from their text: on a catalog whose text is unlike its training data, fine-tune it first (`srthub finetune`, whose start probe says when the pretrained start does not help). Not evaluated for fairness across users or items."]
        return (y + body).joined(separator: "\n") + "\n"
    }
}
