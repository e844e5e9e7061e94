import Foundation

/// Architecture presets: the JSON files under the project's `models/` folder.
///
/// The folder is found, in order, at `$SRTHUB_MODELS`, `./models`, or by walking up from the
/// executable (so `.build/debug/srthub` finds the checkout's `models/`).
public struct PresetCatalog: Sendable {
    public let folder: String

    public init(folder: String) { self.folder = folder }

    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              executable: String = CommandLine.arguments.first ?? "") -> PresetCatalog? {
        candidates(environment: environment, executable: executable)
            .first { FileManager.default.fileExists(atPath: $0) }
            .map(PresetCatalog.init(folder:))
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
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix("srt-") && $0.hasSuffix(".json") }
        var presets: [Architecture] = []
        for file in files { presets.append(try Self.read(path: folder + "/" + file)) }
        return presets.sorted { ($0.transformerParameters, $0.name) < ($1.transformerParameters, $1.name) }
    }

    /// A preset by name (`srt-64x2`) or by path to a JSON file.
    public func preset(named name: String) throws(ModelError) -> Architecture {
        if name.hasSuffix(".json") { return try Self.read(path: name) }
        let path = folder + "/" + name + ".json"
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelError.presetNotFound(name: name, searched: [folder])
        }
        return try Self.read(path: path)
    }

    public static func read(path: String) throws(ModelError) -> Architecture {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError.unreadablePreset(path: path, message: "cannot read the file")
        }
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
