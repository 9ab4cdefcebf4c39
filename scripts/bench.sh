#!/usr/bin/env bash
# Benchmarks (on demand, never part of the tests): builds, then bench/pipeline.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node dist/bench/pipeline.js "$@"
