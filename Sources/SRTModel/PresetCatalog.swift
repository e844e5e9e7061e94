import Foundation

/// Architecture presets: the JSON files under the project's `models/` folder, and the same
/// presets built into the binary (`BuiltInPresets`).
///
/// The folder is found, in order, at `$SRTHUB_MODELS`, `./models`, or by walking up from the
/// executable (so `.build/debug/srthub` finds the checkout's `models/`); a preset there overrides
/// the built-in one of the same name. With no folder, the built-in presets serve alone.
public struct PresetCatalog: Sendable {
    /// nil: the built-in presets only.
    public let folder: String?

    public init(folder: String?) { self.folder = folder }

    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              executable: String = CommandLine.arguments.first ?? "") -> PresetCatalog {
        PresetCatalog(folder: candidates(environment: environment, executable: executable)
            .first { FileManager.default.fileExists(atPath: $0) })
    }

    /// Where a preset came from, for `srthub presets`.
    public func source(of name: String) -> String {
        if let folder, FileManager.default.fileExists(atPath: folder + "/" + name + ".json") { return folder + "/" + name + ".json" }
        return "built in"
    }

    static func candidates(environment: [String: String], executable: String) -> [String] {
        var list: [String] = []
        if let explicit = environment["SRTHUB_MODELS"] { list.append(explicit) }
        list.append(FileManager.default.currentDirectoryPath + "/models")
        var url = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            url.deleteLastPathComponent()
            list.append(url.appendingPathComponent("models").path)
        }
        return list
    }

    /// All presets in the folder, sorted by size then name.
    public func all() throws(ModelError) -> [Architecture] {
        let files = folder.map { folder in ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix("srt-") && $0.hasSuffix(".json") } } ?? []
        var presets: [Architecture] = []
        for file in files { presets.append(try Self.read(path: folder! + "/" + file)) }
        for (name, text) in BuiltInPresets.json where !presets.contains(where: { $0.name == name }) {
            presets.append(try Self.decode(Data(text.utf8), path: "built-in preset \(name)"))
        }
        return presets.sorted { ($0.transformerParameters, $0.name) < ($1.transformerParameters, $1.name) }
    }

    /// A preset by name (`srt-64x2`) or by path to a JSON file.
    public func preset(named name: String) throws(ModelError) -> Architecture {
        if name.hasSuffix(".json") { return try Self.read(path: name) }
        if let folder, FileManager.default.fileExists(atPath: folder + "/" + name + ".json") { return try Self.read(path: folder + "/" + name + ".json") }
        if let text = BuiltInPresets.json[name] { return try Self.decode(Data(text.utf8), path: "built-in preset \(name)") }
        throw ModelError.presetNotFound(name: name, searched: (folder.map { [$0] } ?? []) + ["the built-in presets"])
    }

    public static func read(path: String) throws(ModelError) -> Architecture {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError.unreadablePreset(path: path, message: "cannot read the file")
        }
        return try decode(data, path: path)
    }

    static func decode(_ data: Data, path: String) throws(ModelError) -> Architecture {
        let architecture: Architecture
        do {
            architecture = try JSONDecoder().decode(Architecture.self, from: data)
        } catch {
            throw ModelError.unreadablePreset(path: path, message: "not a valid preset: \(error)")
        }
        try architecture.validate()
        return architecture
    }
}
