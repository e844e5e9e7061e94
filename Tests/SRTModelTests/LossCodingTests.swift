import Foundation
import Testing
@testable import SRTModel

/// config.json spells the loss as the CLI does; configs written before (the keyed form) still read.
@Suite struct LossCodingTests {
    @Test(arguments: [(LossKind.fullCrossEntropy, "ce", #"{"fullCrossEntropy":{}}"#),
                      (.sampledSoftmax(negatives: 1000), "ssm:1000", #"{"sampledSoftmax":{"negatives":1000}}"#),
                      (.binaryCrossEntropy, "bce", #"{"binaryCrossEntropy":{}}"#)])
    func writtenAsTheCLISpellsItAndReadInBothForms(kind: LossKind, spelled: String, legacy: String) throws {
        #expect(String(decoding: try JSONEncoder().encode(kind), as: UTF8.self) == "\"\(spelled)\"")
        #expect(try JSONDecoder().decode(LossKind.self, from: Data("\"\(spelled)\"".utf8)) == kind)
        #expect(try JSONDecoder().decode(LossKind.self, from: Data(legacy.utf8)) == kind)
    }

    @Test func anUnknownSpellingIsRefusedByName() {
        #expect { try JSONDecoder().decode(LossKind.self, from: Data(#""softmax""#.utf8)) } throws: { "\($0)".contains("unknown loss 'softmax'") }
    }
}
