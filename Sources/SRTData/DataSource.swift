import Foundation

/// Where a dataset's files are. A PATH given by the user is either
/// - a directory holding `NAME.inter` (+ `NAME.item`) in RecBole atomic format, or
///   `interactions.{csv,tsv,jsonl}` (+ `items.{csv,tsv,jsonl}`); or
/// - an interactions file, whose item file is the sibling `STEM.item` or `items.<ext>`.
public struct DataSource: Sendable, Equatable {
    public let name: String
    public let interactionsPath: String
    public let itemsPath: String?

    public init(name: String, interactionsPath: String, itemsPath: String?) {
        self.name = name
        self.interactionsPath = interactionsPath
        self.itemsPath = itemsPath
    }

    static let plainExtensions = ["csv", "tsv", "jsonl"]

    public static func resolve(_ path: String, itemsPath explicitItems: String? = nil) throws(DataError) -> DataSource {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(.notFound, file: path, "no such file or directory",
                            hint: "pass a folder with NAME.inter and NAME.item, or an interactions file")
        }
        let url = URL(fileURLWithPath: path)
        if !isDirectory.boolValue {
            let stem = url.deletingPathExtension().lastPathComponent
            let folder = url.deletingLastPathComponent()
            var candidates = [folder.appendingPathComponent(stem + ".item").path]
            candidates += plainExtensions.map { folder.appendingPathComponent("items." + $0).path }
            return DataSource(name: stem, interactionsPath: path,
                              itemsPath: explicitItems ?? candidates.first(where: { fm.fileExists(atPath: $0) }))
        }

        let files = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted()
        let name = url.lastPathComponent
        let interactions: String
        if files.contains(name + ".inter") {
            interactions = name + ".inter"
        } else if let only = single(files.filter { $0.hasSuffix(".inter") }, in: path, what: "*.inter") {
            interactions = only
        } else if let plain = plainExtensions.map({ "interactions." + $0 }).first(where: files.contains) {
            interactions = plain
        } else {
            let inters = files.filter { $0.hasSuffix(".inter") }
            if inters.count > 1 {
                let listed = inters.prefix(4).joined(separator: ", ") + (inters.count > 4 ? ", …" : "")
                throw DataError(.notFound, file: path, "this folder holds \(inters.count) .inter files (\(listed)) and none is named \(name).inter",
                                hint: "pass one of them: --data \(path)/\(inters[0])")
            }
            if ["csv", "tsv", "jsonl", "inter"].contains(url.pathExtension.lowercased()) {
                throw DataError(.notFound, file: path, "this is a folder, though its name ends in .\(url.pathExtension), and it holds no interactions file",
                                hint: "pass the interactions file itself, or a folder with \(name).inter or interactions.csv|tsv|jsonl")
            }
            throw DataError(.notFound, file: path, "no interactions file in this folder",
                            hint: "expected \(name).inter (RecBole atomic) or interactions.csv|tsv|jsonl")
        }
        let stem = (interactions as NSString).deletingPathExtension
        let itemCandidates = [stem + ".item"] + plainExtensions.map { "items." + $0 }
        let items = explicitItems ?? itemCandidates.first(where: files.contains).map { url.appendingPathComponent($0).path }
        let datasetName = interactions.hasSuffix(".inter") ? stem : name
        return DataSource(name: datasetName, interactionsPath: url.appendingPathComponent(interactions).path, itemsPath: items)
    }

    private static func single(_ names: [String], in folder: String, what: String) -> String? {
        names.count == 1 ? names[0] : nil
    }
}
