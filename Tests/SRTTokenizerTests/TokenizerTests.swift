import Foundation
import Testing
@testable import SRTTokenizer

@Suite struct NormalizerTests {
    @Test(arguments: [
        ("OPI Nail Lacquer, Simmer and Shimmer, 0.5-Fluid Ounce", "opi nail lacquer simmer and shimmer 0 5 fluid ounce"),
        ("  Crème brûlée -- N°5!!  ", "crème brûlée n 5"),
        ("snake_case stays", "snake_case stays"),
        ("", ""),
        ("...", ""),
    ])
    func normalizeKeepsLowercaseWordRuns(_ input: String, _ expected: String) {
        #expect(TextNormalizer.normalize(input) == expected)
    }
}

@Suite struct SentencePieceTests {
    /// Trains a small BPE model on a corpus of repeated product-like titles.
    static func trainSmallModel(in folder: String, vocabulary: Int = 60) throws -> String {
        let words = ["red", "blue", "green", "lipstick", "polish", "shampoo", "matte", "gloss", "nail", "eye", "shadow", "cream"]
        var lines: [String] = []
        for i in 0..<400 { lines.append((0..<4).map { words[(i * 7 + $0 * 5) % words.count] }.joined(separator: " ")) }
        let corpus = folder + "/corpus.txt"
        try lines.joined(separator: "\n").write(toFile: corpus, atomically: true, encoding: .utf8)
        return try TokenizerTrainer.train(corpusPath: corpus, modelPrefix: folder + "/tok", vocabularySize: vocabulary)
    }

    static func tempFolder() -> String {
        let path = NSTemporaryDirectory() + "srthub-tok-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func trainLoadAndEncode() throws {
        let folder = Self.tempFolder()
        let modelPath = try Self.trainSmallModel(in: folder)
        #expect(FileManager.default.fileExists(atPath: modelPath))
        let tokenizer = try SentencePieceTokenizer(modelPath: modelPath)
        #expect(tokenizer.vocabularySize == 60)

        let ids = try tokenizer.encode("red lipstick")
        let pieces = try tokenizer.pieces("red lipstick")
        #expect(!ids.isEmpty)
        #expect(ids.count == pieces.count)
        // Pieces and ids agree, and the pieces spell the input back (▁ marks word starts).
        #expect(try ids.map { try tokenizer.piece(for: $0) } == pieces)
        #expect(pieces.joined().replacingOccurrences(of: "▁", with: " ").trimmingCharacters(in: .whitespaces) == "red lipstick")
        #expect(try tokenizer.encode("").isEmpty)
        #expect(try tokenizer.pieces("").isEmpty)
    }

    @Test func longTextGrowsTheBufferInsteadOfTruncating() throws {
        let tokenizer = try SentencePieceTokenizer(modelPath: Self.trainSmallModel(in: Self.tempFolder()))
        let text = Array(repeating: "zq", count: 300).joined(separator: " ")  // unseen characters: many pieces
        let ids = try tokenizer.encode(text)
        #expect(ids.count >= 300)
        #expect(try tokenizer.pieces(text).count == ids.count)
    }

    @Test func missingModelFileIsAClearError() throws {
        #expect {
            try SentencePieceTokenizer(modelPath: "/nonexistent/tokenizer.model")
        } throws: { error in
            let e = error as! TokenizerError
            return e.kind == .load && e.description.contains("/nonexistent/tokenizer.model")
        }
    }

    @Test func corruptModelFileIsAClearError() throws {
        let path = Self.tempFolder() + "/bad.model"
        try "not a model".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.self) { try SentencePieceTokenizer(modelPath: path) }
    }

    @Test func tooLargeVocabularyFailsWithAHint() throws {
        let folder = Self.tempFolder()
        let corpus = folder + "/tiny.txt"
        try "ab ab ab\nba ba\n".write(toFile: corpus, atomically: true, encoding: .utf8)
        #expect {
            try TokenizerTrainer.train(corpusPath: corpus, modelPrefix: folder + "/t", vocabularySize: 5000, modelType: .unigram)
        } throws: { error in
            let e = error as! TokenizerError
            return e.kind == .train && e.hint?.contains("lower it") == true
        }
    }

    @Test func idOutsideTheVocabularyIsRefused() throws {
        let tokenizer = try SentencePieceTokenizer(modelPath: Self.trainSmallModel(in: Self.tempFolder()))
        #expect(throws: TokenizerError.self) { try tokenizer.piece(for: 60) }
        #expect(throws: TokenizerError.self) { try tokenizer.piece(for: -1) }
    }
}
