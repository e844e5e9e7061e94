import Foundation
import Testing
import SRTModel
import SRTTensor

/// Training outside srthub: `torchrun -m srthub.train` (python/srthub/train.py) with two gloo
/// processes on loopback writes a checkpoint srthub takes as it is, and one step of its PyTorch
/// objective equals srthub's own step. Needs PyTorch (scripts/test.sh installs Debian's
/// python3-torch into .cache/torch-venv); skips with a message where it is absent.
@Suite(.serialized, .enabled(if: CLIRunner.available && PythonPeers.torchPython != nil,
                             "PyTorch is not installed (scripts/test.sh installs Debian's python3-torch into .cache/torch-venv)"))
struct PyTorchTrainingTests {
    static var python: String { PythonPeers.torchPython ?? "python3" }

    /// A shop whose next item follows the current one, with timestamps.
    static func shop() -> String {
        let folder = makeTempFolder() + "/shop"
        var inter = "user_id:token\titem_id:token\ttimestamp:float\n"
        for u in 0..<80 { for t in 0..<(5 + u % 9) { inter += "u\(u)\ti\((u * 7 + t) % 30)\t\(1000 + u * 20 + t)\n" } }
        writeFile(folder + "/shop.inter", inter)
        writeFile(folder + "/shop.item", "item_id:token\ttitle:token_seq\tbrand:token\n"
                  + (0..<30).map { "i\($0)\tGadget model \($0), \(["red", "blue", "teal"][$0 % 3])\t\(["Acme", ""][$0 % 2])\n" }.joined())
        return folder
    }

    @Test func twoGlooProcessesTrainACheckpointSrthubTakes() throws {
        let data = Self.shop()
        let work = makeTempFolder()
        writeFile(work + "/tiny.json", #"{"name": "tiny", "layers": 2, "heads": 2, "hidden": 16, "inner": 32, "max_length": 8}"#)
        // Debian's torch 1.13 launcher cannot leave output unredirected under Python 3.11
        // (`--redirects 0` fails), hence `--redirects 1 --tee 1`; newer torchrun needs neither.
        let run = try bash("""
            cd '\(PythonPeers.package)' && '\(Self.python)' -m torch.distributed.run --nproc_per_node 2 --redirects 1 --tee 1 \
              --master_addr 127.0.0.1 --master_port \(freePort()) -m srthub.train --data '\(data)' --preset '\(work)/tiny.json' \
              --epochs 12 --batch 16 --lr 1e-2 --vocab-size 60 --out '\(work)/model' --json '\(work)/report.json'
            """)
        #expect(run.status == 0, "\(run.stderr.suffix(3000))")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: work + "/report.json"))) as? [String: Any])
        #expect(report["processes"] as? Int == 2)
        // The loss goes down.
        let log = try String(contentsOfFile: work + "/model/train_log.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let losses = log.compactMap { $0["trainLoss"] as? Double }
        #expect(losses.count == 12 && losses.last! < losses.first! - 0.1, "\(losses)")
        // srthub takes the folder as it is: add, eval (the same test metrics), finetune with EWC (its Fisher).
        let home = makeTempFolder()
        let add = try CLIRunner.run(["add", work + "/model", "--tag", "torch:v1", "--home", home])
        #expect(add.status == 0, "\(add.stderr)")
        let eval = try CLIRunner.run(["eval", work + "/model", "--data", data, "--no-save", "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let table = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        let results = try #require(((table["rows"] as? [[String: Any]])?.first?["results"]) as? [String: [String: Double]])
        let test = try #require(report["test"] as? [String: [String: Double]])
        for (python, swift) in [("history masked", "full, history masked"), ("history unmasked", "full, history unmasked")] {
            for metric in ["ndcg@10", "hr@10", "mrr@10", "ndcg@5", "hr@1"] {
                let a = test[python]?[metric] ?? -1, b = results[swift]?[metric] ?? -2
                #expect(abs(a - b) <= 1e-4, "\(swift) \(metric): PyTorch \(a), srthub \(b)")
            }
        }
        #expect((results["full, history masked"]?["hr@10"] ?? 0) > 0.5, "the model learned the shop's order: \(results)")
        let finetune = try CLIRunner.run(["finetune", work + "/model", "--data", data, "--final-epochs", "1", "--ewc", "100",
                                          "--batch", "8", "--out", work + "/ft"])
        #expect(finetune.status == 0, "\(finetune.stderr)")
    }

    /// From the same weights and batch, the PyTorch objective's loss and every gradient equal
    /// srthub's (dropout off), for full CE and for the sampled softmax with logQ.
    @Test(arguments: ["ce", "ssm"])
    func oneStepGivesSrthubsLossAndGradients(loss: String) throws {
        let architecture = Architecture(name: "t", layers: 2, heads: 2, hidden: 16, inner: 24, maxLength: 6)
        let encoder = ItemEncoderConfig(kind: .text, fields: ["title", "brand"], maxPieces: [3, 2], vocabularySize: 20, tokenEmbedding: 8)
        let shape = ModelShape(architecture: architecture, itemEncoder: encoder, items: 12)
        let network = Network(shape: shape, maxBatch: 4, seed: 11)
        var rng = RandomSource(seed: 3)
        var tokens = [Int32](repeating: -1, count: 12 * 2 * 3)
        for item in 0..<12 { for f in 0..<2 { for p in 0..<(1 + (item + f) % 3) where p < [3, 2][f] { tokens[(item * 2 + f) * 3 + p] = Int32(rng.nextInt(20)) } } }
        network.setCatalog(ItemTokens(items: 12, fields: 2, pieces: 3, ids: tokens))
        let (batch, length) = (3, 5)
        let sequences: [Int32] = [0, 3, 5, 2, 6, 4, 1, 1, -1, -1, 7, 11, 9, 8, -1]
        var rows = ScoredRows()
        for (b, t, target) in [(0, 0, 3), (0, 1, 5), (0, 4, 10), (1, 1, 1), (1, 2, 0), (2, 0, 11), (2, 3, 2)] {
            rows.rows.append(Int32(b * length + t))
            rows.targets.append(Int32(target))
        }
        let negatives: [Int32] = loss == "ssm" ? [2, 5, 5, 9] : []
        let logQ: [Float] = (0..<12).map { log(Float($0 + 1) / 78) }
        let kind: LossKind = loss == "ssm" ? .sampledSoftmax(negatives: negatives.count) : .fullCrossEntropy
        let workspace = LossWorkspace(maxRows: 4 * 6, hidden: 16)
        let swiftLoss = network.lossAndGradients(kind, sequences: sequences, batch: batch, length: length, rows: rows, workspace: workspace,
                                                 inputs: LossInputs(sharedNegatives: negatives, logQ: logQ), training: false, rng: &rng)

        let work = makeTempFolder()
        try Safetensors.encode(network.tensors()).write(to: URL(fileURLWithPath: work + "/weights.safetensors"))
        let model = try JSONDecoder().decode(AnyJSON.self, from: JSONEncoder().encode(shape))
        let input: [String: Any] = [
            "model": model.value, "loss": loss, "log_q": logQ, "negatives": negatives.map(Int.init),
            "tokens": (0..<12).map { i in (0..<2).map { f in (0..<3).map { Int(tokens[(i * 2 + f) * 3 + $0]) } } },
            "sequences": (0..<batch).map { b in (0..<length).map { Int(sequences[b * length + $0]) } },
            "rows": rows.rows.map(Int.init), "targets": rows.targets.map(Int.init),
        ]
        try JSONSerialization.data(withJSONObject: input).write(to: URL(fileURLWithPath: work + "/batch.json"))
        let run = try bash("'\(Self.python)' '\(PythonPeers.package)/tests/step.py' '\(work)/batch.json' '\(work)/weights.safetensors' '\(work)/grads.safetensors'",
                           environment: ["PYTHONPATH": PythonPeers.package])
        #expect(run.status == 0, "\(run.stderr)")
        let torchLoss = try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Double])?["loss"])
        #expect(abs(Double(swiftLoss) - torchLoss) <= 1e-5 * max(1, abs(torchLoss)), "loss: srthub \(swiftLoss), PyTorch \(torchLoss)")
        let gradients = try Safetensors.decode(Data(contentsOf: URL(fileURLWithPath: work + "/grads.safetensors")), path: "grads").tensors
        for entry in network.layout.entries {
            let torch = try #require(gradients[entry.name]?.values, "no gradient \(entry.name)")
            let swift = Array(network.grads.array[entry.range])
            let scale = max(swift.map(abs).max() ?? 0, 1e-3)
            let worst = zip(swift, torch).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-4 * scale, "\(entry.name): largest difference \(worst) against gradients up to \(scale)")
        }
    }
}

/// Any JSON value, to pass a Codable value on as a JSONSerialization object.
private struct AnyJSON: Decodable {
    let value: Any
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let object = try? container.decode([String: AnyJSON].self) { value = object.mapValues(\.value) }
        else if let array = try? container.decode([AnyJSON].self) { value = array.map(\.value) }
        else if let number = try? container.decode(Double.self) { value = number }
        else if let text = try? container.decode(String.self) { value = text }
        else if let flag = try? container.decode(Bool.self) { value = flag }
        else { value = NSNull() }
    }
}
