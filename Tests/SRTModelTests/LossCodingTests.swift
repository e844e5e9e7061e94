import Foundation
import Testing
@testable import SRTModel

/// config.json spells the loss as the CLI does; configs written before (the keyed form) still read.
@Suite struct LossCodingTests {
    @Test(arguments: [(LossKind.fullCrossEntropy, "ce", #"{"fullCrossEntropy":{}}"#),
                      (.sampledSoftmax(negatives: 1000), "ssm:1000", #"{"sampledSoftmax":{"negatives":1000}}"#),
                      (.sasrecBCE, "bce", #"{"binaryCrossEntropy":{}}"#)])
    func writtenAsTheCLISpellsItAndReadInBothForms(kind: LossKind, spelled: String, legacy: String) throws {
        #expect(String(decoding: try JSONEncoder().encode(kind), as: UTF8.self) == "\"\(spelled)\"")
        #expect(try JSONDecoder().decode(LossKind.self, from: Data("\"\(spelled)\"".utf8)) == kind)
        #expect(try JSONDecoder().decode(LossKind.self, from: Data(legacy.utf8)) == kind)
    }

    @Test(arguments: [("bce:4", LossKind.binaryCrossEntropy(negatives: 4)), ("bce:1", .sasrecBCE),
                      ("gbce", .generalizedBinaryCrossEntropy(negatives: 256, t: 0.75)),
                      ("gbce:128,t=0.9", .generalizedBinaryCrossEntropy(negatives: 128, t: 0.9)),
                      ("ce-:256", .negativeCrossEntropy(negatives: 256)), ("rece", .reducedCrossEntropy(RECEOptions())),
                      ("rece:buckets=64,extra=2,rounds=4", .reducedCrossEntropy(RECEOptions(buckets: 64, extra: 2, rounds: 4))),
                      ("rece:rounds=2", .reducedCrossEntropy(RECEOptions(rounds: 2)))])
    func theLossFamilyRoundTripsThroughItsSpelling(spelled: String, kind: LossKind) throws {
        #expect(try LossKind.parse(spelled) == kind)
        #expect(try LossKind.parse(kind.description) == kind)
        #expect(try JSONDecoder().decode(LossKind.self, from: try JSONEncoder().encode(kind)) == kind)
    }

    /// A misspelled or out-of-range option names itself and what is valid.
    @Test(arguments: [("rece:rounds=0", "rounds must be a whole number from 1 to 128"), ("rece:round=2", "unknown option 'round=2'"),
                      ("gbce:256,t=2", "t must be a number from 0 to 1"), ("bce:0", "≥ 1"), ("ce-", "≥ 1"),
                      ("ssm:many", "≥ 1, e.g. ssm:1000"), ("ce:5", "unknown loss 'ce:5'")])
    func aBadOptionIsRefusedWithItsRange(spelled: String, message: String) {
        #expect { try LossKind.parse(spelled) } throws: { "\($0)".contains(message) }
    }

    @Test func anUnknownSpellingIsRefusedByName() {
        #expect { try JSONDecoder().decode(LossKind.self, from: Data(#""softmax""#.utf8)) } throws: { "\($0)".contains("unknown loss 'softmax'") }
    }
}
