import Foundation
import Testing
@testable import SRTModel

@Suite struct PresetTests {
    static let models = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models").path

    @Test func eightPresetsParseAndFollowTheNamingScheme() throws {
        let presets = try PresetCatalog(folder: Self.models).all()
        #expect(presets.count == 8)
        for p in presets {
            let base = "srt-\(p.hidden)x\(p.layers)"
            #expect(p.name == base || p.name == base + "-h\(p.heads)", "\(p.name)")
            #expect(p.maxLength == 50)
            #expect(p.hiddenDropout == 0.5 && p.attentionDropout == 0.5)
            #expect(p.hidden % p.heads == 0)
        }
        // A head-count suffix only where two presets share hidden × layers.
        let suffixed = presets.filter { $0.name.contains("-h") }
        for p in suffixed {
            #expect(presets.filter { $0.hidden == p.hidden && $0.layers == p.layers }.count > 1)
        }
    }

    @Test func parameterCountMatchesTheReferenceModel() throws {
        // The reference 100K config (16 layers, hidden 256, inner 256) has 6,477,056 non-embedding
        // parameters including the adapter Linear(2·256 → 256) (REFERENCE.md §1.4).
        let p = try PresetCatalog(folder: Self.models).preset(named: "srt-256x16")
        let adapter = 2 * 256 * 256 + 256
        #expect(p.transformerParameters + adapter == 6_477_056)
    }

    @Test func missingKeysTakeDefaultsAndBadValuesNameTheField() throws {
        let minimal = try JSONDecoder().decode(Architecture.self, from: Data(#"{"name":"x","layers":1,"heads":2,"hidden":8}"#.utf8))
        #expect(minimal.inner == 32 && minimal.maxLength == 50 && minimal.norm == .post)

        let bad = Architecture(name: "bad", layers: 2, heads: 3, hidden: 64, inner: 128)
        #expect {
            try bad.validate()
        } throws: { error in
            "\(error)".contains("'hidden'") && "\(error)".contains("multiple of heads (3)")
        }
    }

    @Test func unknownPresetListsWhereItLooked() throws {
        #expect {
            try PresetCatalog(folder: Self.models).preset(named: "srt-1x1")
        } throws: { error in
            "\(error)".contains("no preset named 'srt-1x1'") && "\(error)".contains("srthub presets")
        }
    }

    @Test func catalogIsFoundFromTheEnvironment() throws {
        let catalog = PresetCatalog.locate(environment: ["SRTHUB_MODELS": Self.models], executable: "/nonexistent/bin/srthub")
        #expect(catalog?.folder == Self.models)
    }
}
