import SRTData

/// The text baseline (TF-IDF cosine to the history's last item, no training) on the validation
/// cases a fine-tune chooses by. On a small catalog text similarity alone can rank better than a
/// trained SRT, fine-tuned or not, which a user should hear before publishing the fine-tune.
enum TextBaselineCheck {
    /// Validation NDCG@10 (history masked) of `TextSimilarityScorer` on `cases`.
    static func validation(_ dataset: Dataset, cases: [EvaluationCase]) throws -> Double {
        let metrics = try RankingEvaluation.evaluate(TextSimilarityScorer(itemText: dataset.itemText), cases: cases,
                                                     modes: [EvaluationMode(maskHistory: true)], ks: [10], popularity: [])
        return metrics[0]["ndcg@10"] ?? 0
    }

    /// The line `finetune` ends with: both figures, and a warning where the baseline is not behind.
    static func note(text: Double, model: Double, output: String, data: String) -> String {
        let figures = "validation NDCG@10 \(String(format: "%.4f", model)) for this model, \(String(format: "%.4f", text)) for the text baseline (TF-IDF cosine to the last item, no training)"
        guard text >= model else { return figures }
        return figures + ": text similarity alone ranks this catalog at least as well; compare both on test "
            + "(srthub eval \(quoted(output)) --data \(quoted(data)) --baselines text) before publishing"
    }

    /// A path as a shell reads it back: single-quoted where it holds anything but safe characters.
    static func quoted(_ path: String) -> String {
        let safe = path.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+:@%=,".contains($0)) }
        return safe && !path.isEmpty ? path : "'" + path.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
