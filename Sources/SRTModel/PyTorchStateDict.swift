/// The names a plain PyTorch module gives srthub's tensors (python/srthub/torch_model.py's `SRT`,
/// and `srthub export --format pytorch`): the checkpoint's own, except that each layer's fused
/// `attention.qkv` (rows: all of q, then k, then v) is three `nn.Linear` layers,
/// `attention.query`, `attention.key` and `attention.value`. Splitting and joining rows copies
/// floats, so weights cross in either direction bit for bit.
public enum PyTorchStateDict {
    static let fused = ".attention.qkv."
    static let parts = ["query", "key", "value"]

    /// The tensors under the module's names, in the same order (each fused tensor's three parts in its place).
    public static func unfused(_ tensors: [Safetensors.Tensor]) -> [Safetensors.Tensor] {
        tensors.flatMap { tensor -> [Safetensors.Tensor] in
            guard let split = tensor.name.range(of: fused) else { return [tensor] }
            let prefix = tensor.name[..<split.lowerBound], kind = tensor.name[split.upperBound...]
            let rows = tensor.shape[0] / 3, size = tensor.values.count / 3
            return parts.enumerated().map { i, part in
                Safetensors.Tensor(name: "\(prefix).attention.\(part).\(kind)", shape: [rows] + tensor.shape.dropFirst(),
                                   values: Array(tensor.values[(i * size)..<((i + 1) * size)]))
            }
        }
    }

    /// The module's tensors back under srthub's names, in `layout`'s order: every tensor the layout
    /// needs must be there with its shape, and nothing else (an error names the tensor and the file).
    public static func fusing(_ tensors: [String: Safetensors.Tensor], layout: ParameterLayout,
                              path: String) throws(Safetensors.FormatError) -> [Safetensors.Tensor] {
        func fail(_ m: String) -> Safetensors.FormatError { Safetensors.FormatError(path: path, message: m) }
        var used = Set<String>()
        func take(_ name: String, _ shape: [Int]) throws(Safetensors.FormatError) -> [Float] {
            guard let t = tensors[name] else {
                throw fail("no tensor '\(name)', which config.json's model needs (a PyTorch state dict of python/srthub/torch_model.py's SRT has it)")
            }
            guard t.shape == shape else { throw fail("tensor '\(name)' has shape \(t.shape); config.json's model says \(shape)") }
            used.insert(name)
            return t.values
        }
        var out: [Safetensors.Tensor] = []
        for entry in layout.entries {
            if let split = entry.name.range(of: fused) {
                let prefix = entry.name[..<split.lowerBound], kind = entry.name[split.upperBound...]
                var values: [Float] = []
                for part in parts {
                    values += try take("\(prefix).attention.\(part).\(kind)", [entry.shape[0] / 3] + entry.shape.dropFirst())
                }
                out.append(Safetensors.Tensor(name: entry.name, shape: entry.shape, values: values))
            } else {
                out.append(Safetensors.Tensor(name: entry.name, shape: entry.shape, values: try take(entry.name, entry.shape)))
            }
        }
        if let extra = tensors.keys.sorted().first(where: { !used.contains($0) }) {
            throw fail("tensor '\(extra)' is not one of the model's (config.json's model has no place for it): was the state dict saved from another architecture?")
        }
        return out
    }
}
