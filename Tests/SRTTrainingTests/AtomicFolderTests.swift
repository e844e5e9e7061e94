import Foundation
import Testing
@testable import SRTTraining

/// A checkpoint folder is replaced in one step: a reader always finds a whole checkpoint, the old or
/// the new, never none (`Checkpoint.write` removed the old folder and then moved the new one in).
@Suite struct AtomicFolderTests {
    static func stage(_ path: String, _ content: String) throws {
        try FileManager.default.createDirectory(atPath: path + "/resume", withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors", "resume/state.json"] {
            try Data((content + name).utf8).write(to: URL(fileURLWithPath: path + "/" + name))
        }
    }

    @Test func replacesAndCreates() throws {
        let root = NSTemporaryDirectory() + "atomic-" + UUID().uuidString
        let folder = root + "/ckpt"
        try Self.stage(root + "/staged", "one")
        try AtomicFolder.replace(folder, with: root + "/staged")
        #expect(try String(contentsOfFile: folder + "/config.json", encoding: .utf8) == "oneconfig.json")
        try Self.stage(root + "/staged", "two")
        try AtomicFolder.replace(folder, with: root + "/staged")
        #expect(try String(contentsOfFile: folder + "/resume/state.json", encoding: .utf8) == "tworesume/state.json")
        #expect(!FileManager.default.fileExists(atPath: root + "/staged"), "the old folder is gone")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["ckpt"])
    }

    @Test func aReaderNeverFindsTheFolderMissing() throws {
        let root = NSTemporaryDirectory() + "atomic-" + UUID().uuidString
        let folder = root + "/ckpt"
        try Self.stage(root + "/staged", "first")
        try AtomicFolder.replace(folder, with: root + "/staged")
        final class Flag: @unchecked Sendable { var done = false; var missing = 0 }
        let flag = Flag()
        let reader = Thread {
            while !flag.done { if !FileManager.default.fileExists(atPath: folder + "/config.json") { flag.missing += 1 } }
        }
        reader.start()
        for i in 0..<300 {
            try Self.stage(root + "/staged", "v\(i)")
            try AtomicFolder.replace(folder, with: root + "/staged")
        }
        flag.done = true
        Thread.sleep(forTimeInterval: 0.01)
        #expect(flag.missing == 0, "the checkpoint was missing \(flag.missing) times")
    }
}
