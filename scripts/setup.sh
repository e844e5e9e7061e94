#!/usr/bin/env bash
# Installs what srthub needs on a fresh Debian machine, idempotently:
#   1. the C libraries (OpenBLAS, SentencePiece, SQLite, libcurl) from Debian's packages;
#   2. the MovieLens-100k demo data, extracted from the PyPI wheel of recbole into .cache/ml-100k;
#   3. with SRTHUB_TEST_TOOLS=1 (scripts/test.sh): the CNCF distribution registry (Debian's
#      docker-registry) and oras-py (PyPI), the peers of the interoperability tests.
# Sourced by scripts/demo.sh and scripts/test.sh; safe to run again (skips what is there).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '==> %s\n' "$*"; }
# pip_test_tool MODULE PACKAGE WHAT: a PyPI package only tests use; its test skips where it cannot be installed.
pip_test_tool() {
  if python3 -c "import $1" 2>/dev/null; then
    say "$2 present ($3)"
  elif python3 -m pip install --quiet --disable-pip-version-check "$2" 2>/dev/null; then
    say "installed $2 from PyPI ($3)"
  else
    say "could not install $2: its interoperability test will skip"
  fi
}

packages=(libopenblas-dev libsentencepiece-dev libsqlite3-dev libcurl4-openssl-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  say "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
else
  say "Debian packages present: ${packages[*]}"
fi

if [[ "${SRTHUB_TEST_TOOLS:-0}" == 1 ]]; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  if [[ -x /usr/bin/docker-registry ]]; then
    say "CNCF distribution registry present (/usr/bin/docker-registry)"
  else
    say "installing the CNCF distribution registry (Debian package docker-registry) for the interoperability tests"
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq docker-registry >/dev/null; } \
      || say "could not install docker-registry: its interoperability tests will skip"
  fi
  # The tests run the binary themselves on a free loopback port; the package's own service is not wanted.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
    $sudo systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
  pip_test_tool oras.client oras "an independent OCI client for the interoperability tests"
  # PyTorch for the test of python/'s torch module: Debian's python3-torch (CPU, about a minute to
  # install) in a venv that sees it, where PyPI's torch would bring gigabytes of CUDA libraries.
  torch_venv="$root/.cache/torch-venv"
  if [[ -x "$torch_venv/bin/python" ]] && "$torch_venv/bin/python" -c "import torch, sentencepiece, safetensors" 2>/dev/null; then
    say "PyTorch present in .cache/torch-venv (Debian's python3-torch)"
  elif { dpkg -s python3-torch python3-sentencepiece python3-venv >/dev/null 2>&1 \
         || { say "installing Debian's python3-torch for the PyTorch test (about a minute)"; $sudo apt-get update -qq \
              && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-torch python3-sentencepiece python3-venv >/dev/null; }; } \
       && rm -rf "$torch_venv" && /usr/bin/python3 -m venv --system-site-packages "$torch_venv" \
       && "$torch_venv/bin/python" -m pip install --quiet --disable-pip-version-check safetensors 2>/dev/null; then
    say "PyTorch ready in .cache/torch-venv (Debian's python3-torch)"
  else
    say "could not install Debian's python3-torch: the PyTorch test will skip"
  fi
fi

pip_test_tool safetensors.numpy safetensors "reads srthub's model.safetensors in a test"
pip_test_tool sentencepiece sentencepiece "the Python package's tokenizer (python/), in its test"
pip_test_tool yaml pyyaml "parses the model card's front matter in a test"

demo="$root/.cache/ml-100k"
if [[ -s "$demo/ml-100k.inter" && -s "$demo/ml-100k.item" ]]; then
  say "MovieLens-100k demo data present in .cache/ml-100k"
else
  say "fetching the MovieLens-100k demo data (the recbole wheel from PyPI) into .cache/ml-100k"
  wheels="$root/.cache/wheels"
  mkdir -p "$wheels"
  python3 -m pip download --no-deps --quiet --disable-pip-version-check recbole -d "$wheels"
  python3 - "$wheels" "$demo" <<'PY'
import glob, os, sys, zipfile
wheels, demo = sys.argv[1], sys.argv[2]
wheel = sorted(glob.glob(os.path.join(wheels, "recbole-*.whl")))[-1]
os.makedirs(demo, exist_ok=True)
with zipfile.ZipFile(wheel) as z:
    for name in ("ml-100k.inter", "ml-100k.item"):
        data = z.read("recbole/dataset_example/ml-100k/" + name)
        tmp = os.path.join(demo, name + ".part")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(demo, name))  # never leave a half-written file behind
print("    extracted from", os.path.basename(wheel))
PY
fi
