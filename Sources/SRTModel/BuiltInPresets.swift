/// The presets of models/ compiled into the binary, so a copied `srthub` still has them
/// ($SRTHUB_MODELS and ./models override them by name). `PresetTests` keeps every entry equal
/// to its models/ file: edit the file, then copy it here.
enum BuiltInPresets {
    static let json: [String: String] = [
        "srt-128x2": #"""
{
  "name": "srt-128x2",
  "layers": 2,
  "heads": 2,
  "hidden": 128,
  "inner": 512,
  "max_length": 50,
  "hidden_dropout": 0.5,
  "attention_dropout": 0.5,
  "norm": "post",
  "description": "the SRT paper's Table 3: 2 layers, 2 heads, 128 wide"
}

"""#,
        "srt-128x4": #"""
{
  "name": "srt-128x4",
  "layers": 4,
  "heads": 2,
  "hidden": 128,
  "inner": 512,
  "max_length": 50,
  "hidden_dropout": 0.5,
  "attention_dropout": 0.5,
  "norm": "post",
  "description": "the SRT paper's Table 3: 4 layers, 2 heads, 128 wide; a PEERS.md step-benchmark size"
}

"""#,
        "srt-128x8-h2": #"""
{
  "name": "srt-128x8-h2",
  "layers": 8,
  "heads": 2,
  "hidden": 128,
  "inner": 512,
  "max_length": 50,
  "hidden_dropout": 0.5,
  "attention_dropout": 0.5,
  "norm": "post",
  "description": "the SRT paper's Table 3: 8 layers, 2 heads, 128 wide"
}

"""#,
        "srt-128x8-h4": #"""
{
  "name": "srt-128x8-h4",
  "layers": 8,
  "heads": 4,
  "hidden": 128,
  "inner": 512,
  "max_length": 50,
  "hidden_dropout": 0.5,
  "attention_dropout": 0.5,
  "norm": "post",
  "description": "the SRT paper's Table 3: 8 layers, 4 heads, 128 wide"
}

"""#,
        "srt-256x16": #"""
{
  "name": "srt-256x16",
  "layers": 16,
  "heads": 4,
  "hidden": 256,
  "inner": 256,
  "max_length": 50,
  "hidden_dropout": 0.5,
  "attention_dropout": 0.5,
  "norm": "post",
  "description": "the SRT paper's Table 3: 16 layers, 4 heads, 256 wide (the reference repo's 100K pretraining config, inner 256)"
}

"""#,
        "srt-256x24": #"""
{
  "name": "srt-256x24",
  "layers": 24,
  "heads": 4,
  "hidden": 256,
  "inner": 1024,
  "max_length": 50,
  "hidden_dropout": 0.5,
  "attention_dropout": 0.5,
  "norm": "post",
  "description": "the SRT paper's Table 3: 24 layers, 4 heads, 256 wide (inner 4x, as the reference's configs)"
}

"""#,
        "srt-256x2": #"""
{
  "name": "srt-256x2",
  "layers": 2,
  "heads": 4,
  "hidden": 256,
  "inner": 1024,
  "max_length": 50,
  "hidden_dropout": 0.5,
  "attention_dropout": 0.5,
  "norm": "post",
  "description": "extra (not in the SRT paper's Table 3): 2 layers, 4 heads, 256 wide; the large end of bench/scaling.sh grown in width"
}

"""#,
        "srt-256x4": #"""
{
  "name": "srt-256x4",
  "layers": 4,
  "heads": 4,
  "hidden": 256,
  "inner": 1024,
  "max_length": 50,
  "hidden_dropout": 0.5,
  "attention_dropout": 0.5,
  "norm": "post",
  "description": "extra (not in the SRT paper's Table 3): 4 layers, 4 heads, 256 wide; a PEERS.md step-benchmark size"
}

"""#,
        "srt-256x8-h4": #"""
{
  "name": "srt-256x8-h4",
  "layers": 8,
  "heads": 4,
  "hidden": 256,
  "inner": 1024,
  "max_length": 50,
  "hidden_dropout": 0.5,
  "attention_dropout": 0.5,
  "norm": "post",
  "description": "the SRT paper's Table 3: 8 layers, 4 heads, 256 wide (the reference repo's 1M/10M pretraining config, inner 1024)"
}

"""#,
        "srt-256x8-h8": #"""
{
  "name": "srt-256x8-h8",
  "layers": 8,
  "heads": 8,
  "hidden": 256,
  "inner": 1024,
  "max_length": 50,
  "hidden_dropout": 0.5,
  "attention_dropout": 0.5,
  "norm": "post",
  "description": "extra (not in the SRT paper's Table 3): as srt-256x8-h4 with 8 heads of 32"
}

"""#,
        "srt-16x2": #"""
{
  "name": "srt-16x2",
  "layers": 2,
  "heads": 2,
  "hidden": 16,
  "inner": 64,
  "max_length": 50,
  "hidden_dropout": 0.5,
  "attention_dropout": 0.5,
  "norm": "post",
  "description": "extra (not in the SRT paper's Table 3): the smallest size of scaling sweeps (about 10k non-embedding parameters, the paper's smallest)"
}

"""#,
        "srt-64x2": #"""
{
  "name": "srt-64x2",
  "layers": 2,
  "heads": 2,
  "hidden": 64,
  "inner": 256,
  "max_length": 50,
  "hidden_dropout": 0.5,
  "attention_dropout": 0.5,
  "norm": "post",
  "description": "extra (not in the SRT paper's Table 3): RecBole SASRec's default size (PEERS.md runs it); the SRT from-scratch fine-tuning baseline width"
}

"""#,
        "srt-64x4": #"""
{
  "name": "srt-64x4",
  "layers": 4,
  "heads": 2,
  "hidden": 64,
  "inner": 256,
  "max_length": 50,
  "hidden_dropout": 0.5,
  "attention_dropout": 0.5,
  "norm": "post",
  "description": "the SRT paper's Table 3: 4 layers, 2 heads, 64 wide"
}

"""#,
    ]
}
