#!/usr/bin/env bash
# The main job on the embedded default, self-installing: `npm run demo` on a fresh Debian 12
# machine as root. Installs what is missing, runs the sensor on a bundled capture with the
# Emerging Threats-style demo rules into embedded ClickHouse (chDB) under ./.fennec/demo, then
# serves the HTTP API on 127.0.0.1:8080 until Ctrl-C.
#   FENNEC_DEMO_PCAP=file.pcap   another capture;  FENNEC_DEMO_LISTEN=127.0.0.1:9000   another address
#   FENNEC_DEMO_EXIT=1           exit after the capture instead of serving (used by the tests)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
data=.fennec/demo
mkdir -p "$data"
pcap=${FENNEC_DEMO_PCAP:-test/fixtures/demo/demo.pcap}
listen=${FENNEC_DEMO_LISTEN:-127.0.0.1:8080}
args=(run --pcap "$pcap" --data-dir "$data/store" --eve "$data/eve.json" --workers 2 --rules test/fixtures/demo/demo.rules)
if [ -z "${FENNEC_DEMO_EXIT:-}" ]; then
  args+=(--api "$listen")
  cat >&2 <<EOM
demo: processing $pcap, then serving the API on http://$listen (Ctrl-C to stop). Try:
  curl -s 'http://$listen/api/v1/flows?limit=5'
  curl -s 'http://$listen/api/v1/flows/top?by=ip&metric=bytes'
  curl -s 'http://$listen/api/v1/alerts'
  curl -s 'http://$listen/api/v1/stats'
  curl -s 'http://$listen/api/v1/openapi.json'
EOM
fi
exec node bin/fennec.js "${args[@]}"
