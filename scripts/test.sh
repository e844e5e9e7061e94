#!/usr/bin/env bash
# Runs srthub's whole test suite from a fresh clone: installs the Debian packages, the demo data
# and the interoperability peers (scripts/setup.sh with SRTHUB_TEST_TOOLS=1: the CNCF registry and
# oras-py), builds, and runs `swift test`. Tests that need ../shared/datasets skip with a message
# when it is absent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
SRTHUB_TEST_TOOLS=1 source scripts/setup.sh

say "building srthub and its tests (debug)"
swift build --build-tests 2>&1 | grep -Ev "^\[[0-9]+/[0-9]+\]|unhandled|^warning: 'swift-distributed-tracing'" || true
swift build --build-tests >/dev/null  # fails loudly if the build above failed
say "running the tests"
# Every temporary folder the tests make (homes, checkpoints, 300 MB blobs) goes under one folder
# that is removed when the run ends, passed or failed.
export TMPDIR="$(mktemp -d "${TMPDIR:-/tmp}/srthub-tests.XXXXXX")"
trap 'rm -rf "$TMPDIR"' EXIT
swift test --skip-build
