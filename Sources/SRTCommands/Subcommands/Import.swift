import ArgumentParser
import SRTOCI
import SRTTraining

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import the checkpoints of an OCI image-layout folder (verifying every digest), or a PyTorch folder as a checkpoint.",
        discussion: """
            --format oci (the default) adds every checkpoint of the layout to the registry.

            --format pytorch reads a folder that `srthub export --format pytorch` wrote (or one where a \
            PyTorch run saved SRT's state dict as pytorch_model.safetensors beside the export's \
            config.json, tokenizer.model and items.tsv), joins each layer's query, key and value back \
            into srthub's fused attention.qkv, and writes a checkpoint folder at --out, validated before \
            it appears; `srthub add` then stores it.

            Examples:
              srthub import /media/usb/srthub-bundle
              srthub import base-pt --format pytorch --out runs/base-back
            """)

    @Argument(help: "Layout folder written by `srthub export`, or a PyTorch folder (--format pytorch).") var folder: String
    @Option(help: "oci (an OCI image layout) or pytorch (a folder of the PyTorch module's state-dict names).") var format: ExchangeFormat = .oci
    @Option(help: "Tag to give the checkpoint instead of its name in the layout (--format oci).", transform: parseReference) var tag: Reference?
    @Option(help: "Checkpoint folder to write (--format pytorch).") var out: String?
    @Flag(help: "Replace a checkpoint already in --out (--format pytorch).") var force = false
    @OptionGroup var home: HomeOptions

    func validate() throws {
        switch format {
        case .oci:
            if out != nil { throw ValidationError("'--out' is for --format pytorch; an OCI layout is imported into the registry") }
        case .pytorch:
            if out == nil { throw ValidationError("--format pytorch needs '--out FOLDER', the checkpoint folder to write") }
            if tag != nil { throw ValidationError("'--tag' is for --format oci; tag a PyTorch import with `srthub add FOLDER --tag NAME`") }
        }
    }

    func run() async throws {
        switch format {
        case .oci:
            let imported = try Failure.reporting { try home.open().importLayout(from: folder, tag: tag) }
            if home.json { return try printJSON(imported) }
            for i in imported { print("imported \(i.reference ?? "(untagged)") → \(i.digest)") }
        case .pytorch:
            let out = out!
            let written = try Failure.reporting { try PyTorchFolder.importing(from: folder, to: out, replacing: force) }
            if home.json { return try printJSON(written) }
            print("imported \(folder) as the checkpoint \(out) (\(written.tensors) tensors); store it with: srthub add \(out) --tag NAME")
        }
    }
}
