import Foundation
import Testing
import SRTData
import SRTModel
import SRTTensor
@testable import SRTTraining

/// The negatives the trainer draws for each loss's policy, on the synthetic cycle (40 items, users
/// of 5–14 items).
@Suite struct LossNegativesTests {
    /// A trainer for `loss` and the rows of one batch of the first windows, with their users.
    static func batch(_ loss: LossKind) throws -> (trainer: Trainer, rows: ScoredRows, users: [Int32], windows: [Int]) {
        var request = Synthetic.request(encoder: .id, loss: loss)
        request.options.batch = 8
        let dataset = try DatasetLoader.load(request.dataPath)
        let split = try dataset.split(.leaveOneOut)
        let shape = ModelShape(architecture: request.architecture, itemEncoder: ItemEncoderConfig(kind: .id), items: dataset.itemCount)
        let trainer = Trainer(network: Network(shape: shape, maxBatch: 8), split: split, options: request.options)
        let windows = Array(0..<8)
        var rng = RandomSource(seed: 3)
        let (_, _, rows) = trainer.assemble(windows, rng: &rng)
        // The user of each row: rows are appended window by window, one per scored position.
        var users: [Int32] = [], rowWindows: [Int] = []
        for w in windows {
            let scored = (0..<(trainer.windows[w].items.count - 1)).filter { $0 + 1 >= trainer.windows[w].firstTarget }.count
            users += Array(repeating: trainer.windows[w].user, count: scored)
            rowWindows += Array(repeating: w, count: scored)
        }
        #expect(users.count == rows.count)
        return (trainer, rows, users, rowWindows)
    }

    @Test func ceMinusDrawsPerUserAndNeverTheUsersOwnItems() throws {
        let (trainer, rows, users, windows) = try Self.batch(.negativeCrossEntropy(negatives: 20))
        #expect(rows.negativesPerRow == 20)
        for r in 0..<rows.count {
            let negatives = Array(rows.negatives[(r * 20)..<((r + 1) * 20)])
            #expect(Set(negatives).count == 20, "distinct")
            #expect(!negatives.contains { trainer.seen[users[r]]!.contains($0) }, "a user's own item drawn as a negative")
            if r > 0 && windows[r] == windows[r - 1] {
                #expect(negatives == Array(rows.negatives[((r - 1) * 20)..<(r * 20)]), "a sequence's rows share their negatives")
            }
        }
        #expect(Set(users).count > 1 && Set(rows.negatives).count > 20, "different users draw differently")
    }

    @Test func bceDrawsDistinctUnseenItemsPerPosition() throws {
        let (trainer, rows, users, _) = try Self.batch(.binaryCrossEntropy(negatives: 5))
        for r in 0..<rows.count {
            let negatives = Array(rows.negatives[(r * 5)..<((r + 1) * 5)])
            #expect(Set(negatives).count == 5)
            #expect(!negatives.contains { trainer.seen[users[r]]!.contains($0) })
        }
        #expect(rows.negatives[0..<5] != rows.negatives[5..<10], "each position draws its own")
    }

    @Test func gbceDrawsWithReplacementFromTheWholeCatalog() throws {
        let (_, rows, _, _) = try Self.batch(.generalizedBinaryCrossEntropy(negatives: 30, t: 0.75))
        #expect(rows.negatives.count == rows.count * 30)
        #expect(rows.negatives.allSatisfy { (0..<Int32(Synthetic.items)).contains($0) })
        let repeats = (0..<rows.count).filter { r in Set(rows.negatives[(r * 30)..<((r + 1) * 30)]).count < 30 }
        #expect(!repeats.isEmpty, "30 draws from 40 items with replacement repeat somewhere")
    }

    /// More negatives than a user has unseen items, or than the catalog, is refused before training.
    @Test(arguments: ["bce:30", "ce-:29", "gbce:40", "rece:buckets=41", "rece:buckets=2,extra=1"])
    func optionsThatDoNotFitTheCatalogAreRefusedBeforeTraining(_ spelled: String) {
        var request = Synthetic.request(encoder: .id, loss: LossKind(spelled)!, epochs: 1)
        request.options.loss = LossKind(spelled)!
        var trained = false
        do {
            _ = try TrainingRun.run(request) { event in
                if case .epoch = event { trained = true }
                return .proceed
            }
            Issue.record("\(spelled) was accepted")
        } catch {
            guard case TrainingError.badOption(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("--loss") && message.contains("use "), "\(message)")
        }
        #expect(!trained)
    }
}
