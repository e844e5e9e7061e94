"""An independent OCI client (oras-py, from PyPI) against what srthub pushed, for the interop tests.

    python3 oras_roundtrip.py pull HOST:PORT/ns/name:tag OUTDIR   -> prints JSON {layers: {title: sha256}, manifest_layers: [...]}
    python3 oras_roundtrip.py push HOST:PORT/ns/name:tag FILE...   -> pushes the files as layers, prints JSON {files: {name: sha256}}
"""
import hashlib
import json
import os
import sys

import oras.client


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def main():
    command, target = sys.argv[1], sys.argv[2]
    host = target.split("/")[0]
    client = oras.client.OrasClient(hostname=host, insecure=True)
    if os.environ.get("ORAS_USER"):
        client.login(username=os.environ["ORAS_USER"], password=os.environ["ORAS_PASS"], hostname=host)
    if command == "pull":
        outdir = sys.argv[3]
        manifest = client.get_manifest(target)
        files = client.pull(target=target, outdir=outdir)
        print(json.dumps({
            "files": {os.path.basename(p): sha256(p) for p in files},
            "manifest_layers": [layer["digest"] for layer in manifest["layers"]],
            "artifact_type": manifest.get("artifactType"),
        }))
    elif command == "push":
        paths = sys.argv[3:]
        client.push(files=paths, target=target, disable_path_validation=True)
        print(json.dumps({"files": {os.path.basename(p): sha256(p) for p in paths}}))
    else:
        sys.exit("usage: oras_roundtrip.py pull|push TARGET ...")


if __name__ == "__main__":
    main()
