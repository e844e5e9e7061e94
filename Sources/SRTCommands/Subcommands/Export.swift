import ArgumentParser
import SRTOCI
import SRTTraining

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a checkpoint as an OCI image-layout folder (for machines with no network) or as a PyTorch folder.",
        discussion: """
            --format oci (the default) writes a standard OCI image layout, which ORAS and other OCI \
            tools read and `srthub import` takes back.

            --format pytorch writes the checkpoint's folder with its weights under the PyTorch module's \
            state-dict names (python/srthub/torch_model.py: each layer's fused attention.qkv split into \
            attention.query, .key and .value) in pytorch_model.safetensors, and its Fisher in \
            pytorch_fisher.safetensors; config.json, the tokenizer and items.tsv travel beside them. \
            `srthub import --format pytorch` turns such a folder back into a checkpoint, bit for bit \
            (docs/checkpoint-format.md).

            Examples:
              srthub export ml-100k:v1 /media/usb/srthub-bundle
              srthub export runs/base --format pytorch base-pt
              python -c "from srthub.torch_model import SRT; m = SRT.from_checkpoint('base-pt')"
            """)

    @Argument(help: "Checkpoint: a reference in the registry (either format), or a folder (--format pytorch).") var checkpoint: String
    @Argument(help: "Folder to write: the layout (created, or added to), or the PyTorch folder (created).") var folder: String
    @Option(help: "oci (an OCI image layout) or pytorch (the PyTorch module's state-dict names).") var format: ExchangeFormat = .oci
    @Flag(help: "Replace a PyTorch folder already at FOLDER.") var force = false
    @OptionGroup var home: HomeOptions

    func validate() throws {
        if format == .oci { _ = try parseReference(checkpoint) }
        if force && format == .oci { throw ValidationError("'--force' is for --format pytorch; an OCI layout is added to, never replaced") }
    }

    func run() async throws {
        switch format {
        case .oci:
            let reference = try parseReference(checkpoint)
            let result = try Failure.reporting { try home.open().export(reference, to: folder) }
            if home.json { return try printJSON(result) }
            print("exported \(reference) (\(result.manifest.short), \(result.blobs) blobs, \(megabytes(result.bytes))) to \(folder)")
        case .pytorch:
            let location = try CheckpointLocation(checkpoint, home: home)
            let written = try Failure.reporting { try PyTorchFolder.export(checkpoint: location.folder, to: folder, replacing: force) }
            if home.json { return try printJSON(written) }
            print("exported \(checkpoint) to \(folder) (\(written.tensors) tensors under the PyTorch module's names: \(written.files.joined(separator: ", ")))")
        }
    }
}

/// How a checkpoint leaves srthub and comes back (`export`, `import`).
enum ExchangeFormat: String, ExpressibleByArgument, CaseIterable {
    case oci, pytorch
}
