#!/usr/bin/env bash
# Runs srthub's whole test suite from a fresh clone: installs the Debian packages and the demo
# data (scripts/setup.sh), builds, and runs `swift test`. Tests that need ../shared/datasets skip
# with a message when it is absent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/setup.sh

say "building srthub and its tests (debug)"
swift build --build-tests 2>&1 | grep -Ev "^\[[0-9]+/[0-9]+\]|unhandled|^warning: 'swift-distributed-tracing'" || true
swift build --build-tests >/dev/null  # fails loudly if the build above failed
say "running the tests"
swift test --skip-build
