#!/usr/bin/env bash
# The test suite, self-installing: `npm test` on a fresh Debian 12 machine as root.
#   scripts/setup.sh (Debian packages, npm deps, native shims, TypeScript build), then every
#   compiled test file under dist/test, one file at a time (live-capture tests create network
#   namespaces and must not overlap).
#   FENNEC_TESTS='decode flow' npm test   runs only those folders of test/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -n "${FENNEC_TESTS:-}" ]; then
  dirs=()
  for d in $FENNEC_TESTS; do dirs+=("dist/test/$d"); done
else
  dirs=(dist/test)
fi
mapfile -t files < <(find "${dirs[@]}" -name '*.test.js' | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "test: no test files found under ${dirs[*]}" >&2
  exit 1
fi
echo "test: ${#files[@]} test files" >&2
exec node --test --test-reporter=spec "${files[@]}"
