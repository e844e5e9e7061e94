import Foundation
import Testing
import SRTData
import SRTModel
import SRTTokenizer
@testable import SRTTraining

/// `finetune --vocabulary target`: the new catalog's own tokenizer, its token table started from the base's.
@Suite struct VocabularyTransferTests {
    /// The base's tokenizer and a tokenizer trained on the new catalog (FineTuningTests.newCatalog's gadgets).
    static func tokenizers(base: String) throws -> (base: SentencePieceTokenizer, target: SentencePieceTokenizer) {
        let dataset = try DatasetLoader.load(FineTuningTests.newCatalog())
        let folder = NSTemporaryDirectory() + "srthub-vocab-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = try ItemTextEncoding.trainTokenizer(on: dataset, fields: ["title", "color"], vocabularySize: 45, folder: folder) { _ in }
        return (try SentencePieceTokenizer(modelPath: base + "/tokenizer.model"), try SentencePieceTokenizer(modelPath: path))
    }

    /// A piece both vocabularies have keeps the base's row bit for bit; any other gets the mean of
    /// the base's rows for its text as the base tokenizer splits it; nothing above the table moves.
    @Test func newPiecesStartFromTheBasesRowsForTheSameText() throws {
        let checkpoint = try FineTuningTests.baseCheckpoint()
        let base = try Checkpoint.load(from: checkpoint, maxBatch: 16).network
        let (baseTokenizer, target) = try Self.tokenizers(base: checkpoint)
        let transfer = try VocabularyTransfer(from: baseTokenizer, to: target)
        var shape = base.shape
        shape.itemEncoder.vocabularySize = target.vocabularySize
        let carried = transfer.network(from: base, shape: shape, maxBatch: 16)

        let width = shape.itemEncoder.tokenEmbedding
        let baseTable = Array(base.params.array[base.layout[ParameterLayout.tokenEmbeddingName].range])
        let table = Array(carried.params.array[carried.layout[ParameterLayout.tokenEmbeddingName].range])
        #expect(table.count == target.vocabularySize * width && target.vocabularySize != baseTokenizer.vocabularySize)
        let basePieces = try (0..<Int32(baseTokenizer.vocabularySize)).map { try baseTokenizer.piece(for: $0) }
        var (same, composed) = (0, 0)
        for id in 0..<target.vocabularySize {
            let piece = try target.piece(for: Int32(id))
            let row = Array(table[(id * width)..<((id + 1) * width)])
            if let match = basePieces.firstIndex(of: piece) {
                same += 1
                #expect(row.map(\.bitPattern) == baseTable[(match * width)..<((match + 1) * width)].map(\.bitPattern), "\(piece)")
            } else {
                composed += 1
                let ids = try baseTokenizer.encode(String(piece.drop { $0 == "▁" }))
                #expect(!ids.isEmpty, "\(piece)")
                for j in 0..<width {
                    let mean = ids.reduce(Float(0)) { $0 + baseTable[Int($1) * width + j] } / Float(ids.count)
                    #expect(abs(row[j] - mean) <= 1e-6 * max(1, abs(mean)), "\(piece)[\(j)]")
                }
            }
        }
        #expect(same > 0 && composed > 0 && transfer.matched == same, "\(same) shared, \(composed) composed")
        for entry in carried.layout.entries where entry.name != ParameterLayout.tokenEmbeddingName {
            #expect(base.params.array[base.layout[entry.name].range] == carried.params.array[entry.range], "\(entry.name) moved")
        }
        // The Fisher (any per-parameter array) follows the same map.
        let fisher = transfer.carry(base.params.array, from: base.layout, to: carried.layout)
        #expect(fisher == carried.params.array)
    }

    /// End to end, with EWC on: the checkpoint holds the new catalog's tokenizer, records the
    /// choice, and reloads to the same test metrics (the tokenizer written is the one trained with).
    @Test func aFineTuneWithTheTargetsVocabularyWritesItsOwnTokenizer() throws {
        let base = try FineTuningTests.baseCheckpoint()
        let data = FineTuningTests.newCatalog()
        var request = FineTuneRequest(base: base, dataPath: data, output: NSTemporaryDirectory() + "srthub-ft-out-" + UUID().uuidString)
        request.vocabulary = .target
        request.plan = .full
        request.finalEpochs = 6
        request.options.learningRate = 1e-2
        request.options.batch = 16
        let (report, notes) = try FineTuneRun.runCollectingNotes(request)
        #expect(notes.contains { $0.hasPrefix("vocabulary: ") && $0.contains("are the base's own") }, "\(notes)")
        let config = try CheckpointConfig.read(report.checkpoint)
        #expect(config.fineTuning?.vocabulary == "target" && config.fineTuning?.ewcLambda == 100)
        let written = try SentencePieceTokenizer(modelPath: report.checkpoint + "/tokenizer.model")
        let baseTokenizer = try SentencePieceTokenizer(modelPath: base + "/tokenizer.model")
        #expect(written.vocabularySize == config.model.itemEncoder.vocabularySize)
        #expect(try written.pieces("gadget model").count < baseTokenizer.pieces("gadget model").count, "the catalog's words are whole pieces")
        let dataset = try DatasetLoader.load(data)
        let reloaded = try Checkpoint.load(from: report.checkpoint, scoring: dataset.catalog, maxBatch: 16).network
        let again = Evaluator.evaluate(reloaded, cases: try dataset.split(.leaveOneOut).test, ks: [1, 5, 10])
        #expect(again.masked == report.test.masked)
    }
}
