import Foundation
import Testing
@testable import SRTModel

@Suite struct PresetTests {
    static let models = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("models").path

    /// The SRT paper's Table 3 (REFERENCE.md §1.4): layers, heads, hidden of its eight architectures.
    static let table3: Set<[Int]> = [[24, 4, 256], [16, 4, 256], [8, 4, 256], [8, 4, 128], [8, 2, 128], [4, 2, 128], [2, 2, 128], [4, 2, 64]]

    @Test func presetsParseFollowTheNamingSchemeAndHoldTable3() throws {
        let presets = try PresetCatalog(folder: Self.models).all()
        #expect(presets.count == 13)
        let shapes = Set(presets.map { [$0.layers, $0.heads, $0.hidden] })
        #expect(Self.table3.isSubset(of: shapes), "missing: \(Self.table3.subtracting(shapes))")
        for p in presets {
            let inTable = Self.table3.contains([p.layers, p.heads, p.hidden])
            let said = p.description ?? ""
            #expect(inTable ? said.hasPrefix("the SRT paper's Table 3") : said.hasPrefix("extra (not in the SRT paper's Table 3)"), "\(p.name): \(said)")
        }
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
        #expect(catalog.folder == Self.models)
    }

    /// A copied binary with no models/ anywhere still has every preset, each equal to its file.
    @Test func builtInPresetsEqualTheFilesAndServeAlone() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.models).filter { $0.hasPrefix("srt-") && $0.hasSuffix(".json") }
        #expect(Set(files.map { String($0.dropLast(5)) }) == Set(BuiltInPresets.json.keys), "models/ and BuiltInPresets list the same presets")
        for file in files {
            let text = try String(contentsOfFile: Self.models + "/" + file, encoding: .utf8)
            #expect(BuiltInPresets.json[String(file.dropLast(5))] == text, "\(file) differs from its built-in copy: copy it into BuiltInPresets.swift")
        }
        let alone = PresetCatalog(folder: nil)
        #expect(try alone.all().count == files.count && alone.source(of: "srt-64x4") == "built in")
        #expect(try alone.preset(named: "srt-256x24").layers == 24)
        let located = PresetCatalog.locate(environment: [:], executable: "/nonexistent/bin/srthub")
        #expect(FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/models") || located.folder == nil)
    }
}
