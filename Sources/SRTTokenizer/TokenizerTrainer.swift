import CSentencePiece
import Foundation

/// Trains SentencePiece models. The trainer reads a corpus file (one sentence per line) and writes
/// `<prefix>.model` and `<prefix>.vocab`.
public enum TokenizerTrainer {
    /// SentencePiece's trainer keeps global state (flags, and our shim swaps fd 2), so one
    /// training runs at a time per process.
    private static let lock = NSLock()

    public enum ModelType: String, Sendable { case bpe, unigram }

    /// Trains and returns the path of the written `.model` file.
    /// - Parameter extraArguments: further trainer flags, e.g. `["--hard_vocab_limit=false"]`.
    @discardableResult
    public static func train(
        corpusPath: String, modelPrefix: String, vocabularySize: Int,
        modelType: ModelType = .bpe, extraArguments: [String] = []
    ) throws(TokenizerError) -> String {
        var err = [CChar](repeating: 0, count: 2048)
        lock.lock()
        defer { lock.unlock() }
        let status = csp_train(
            corpusPath, modelPrefix, Int32(vocabularySize), modelType.rawValue,
            extraArguments.joined(separator: " "), &err, err.count)
        guard status == 0 else {
            let message = cMessage(err)
            let hint = message.contains("Vocabulary size too high")
                ? "the corpus is too small for vocabulary size \(vocabularySize): lower it"
                : nil
            throw TokenizerError(kind: .train, path: corpusPath, message: "SentencePiece training failed: \(message)", hint: hint)
        }
        return modelPrefix + ".model"
    }
}
