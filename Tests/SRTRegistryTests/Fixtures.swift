import Foundation
@testable import SRTRegistry
import SRTOCI

func tempPath(_ label: String = "reg") -> String {
    let path = NSTemporaryDirectory() + "srthub-\(label)-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes a checkpoint folder as training will: config.json, weights, tokenizer, optional eval.
@discardableResult
func writeCheckpoint(at folder: String, name: String = "base", weights: [UInt8] = Array(repeating: 7, count: 4096),
                     parent: Digest? = nil, method: String = "pretrain", dataset: String = "ml-100k",
                     ndcg: Double? = 0.1, catalogs: [String] = [], training: [String: Any]? = nil) -> String {
    try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var config: [String: Any] = ["name": name, "method": method, "dataset": dataset, "dataset_fingerprint": "sha256:" + dataset,
                                 "parameters": ["total": 1000, "non_embedding": 800], "architecture": ["layers": 2, "hidden": 64]]
    if let training { config["training"] = training }
    if !catalogs.isEmpty { config["catalogs"] = catalogs.map { ["name": $0, "fingerprint": "sha256:" + $0] } }
    if let parent { config["parent"] = ["digest": parent.description, "reference": "base:v1"] }
    try! JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]).write(to: URL(fileURLWithPath: folder + "/config.json"))
    FileManager.default.createFile(atPath: folder + "/model.safetensors", contents: Data(weights))
    FileManager.default.createFile(atPath: folder + "/tokenizer.model", contents: Data("tokenizer-\(name)".utf8))
    if let ndcg {
        let eval: [String: Any] = ["dataset": dataset, "dataset_fingerprint": "sha256:" + dataset, "protocol": "leave-one-out",
                                   "mode": "full, history masked", "metrics": ["ndcg@10": ndcg, "hr@10": 0.3]]
        try! JSONSerialization.data(withJSONObject: eval).write(to: URL(fileURLWithPath: folder + "/eval.json"))
    }
    return folder
}

func ref(_ text: String) -> Reference { try! Reference(parsing: text) }
