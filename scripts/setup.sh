#!/usr/bin/env bash
# Installs what Fennec needs on a Debian 12 machine, only what is missing, then builds.
# Idempotent: a second run checks and does nothing. Run as root for the Debian part.
#   scripts/setup.sh            Debian packages (checked) + npm deps + build
#   FENNEC_SKIP_APT=1 ...       skip the Debian part (non-root developers who installed by hand)
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages, one per line: package  # why
DEBIAN_PACKAGES=(
  libvectorscan5      # libhs.so.5: multi-pattern prefilter (rules/)
  libvectorscan-dev   # builds native/rules shim (batch scan over hs_scan)
  libpcre2-8-0        # pcre keyword (rules/)
  libpcre2-dev        # builds native/rules shim (PCRE2 match helpers)
  libpcap0.8          # pcap_compile for --bpf (sensor/capture)
  libxdp1             # AF_XDP sockets (sensor/capture/afxdp)
  libbpf1             # AF_XDP (libxdp's dependency)
  libxdp-dev          # builds native/xdp shim (xsk ring helpers are header inlines)
  libbpf-dev          # builds native/xdp shim
  libpcap-dev         # libpcap.so for --bpf (pcap_compile) and libdpdk-dev's net_pcap
  ethtool             # live-capture tests turn off GRO/TSO on their veth
  libdpdk-dev         # DPDK headers + libs for the native/ shim
  dpdk                # DPDK runtime drivers (net_pcap, net_af_packet)
  gcc                 # builds native/ shims
  make
  pkg-config
  libc6-dev
  iproute2            # live-capture tests: ip netns / veth
  tshark              # test oracle: fields, conv, follow
  wireshark-common    # capinfos, editcap (test fixtures)
  tcpflow             # reassembly oracle and benchmark peer
  tcpreplay           # tcpreplay/tcprewrite for live tests
  tcpdump             # capture benchmark peer
  python3             # ../shared/tools/mkbench
  publicsuffix        # public_suffix_list.dat for the domain / tld transforms (rules/keywords/domain.ts)
)

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ] && [ -z "${FENNEC_SKIP_APT:-}" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or install them and set FENNEC_SKIP_APT=1)" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer "no" without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  # Check, do not trust: every package must now be installed.
  for p in "${missing[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || { echo "setup: $p failed to install" >&2; exit 1; }
  done
fi

# npm dependencies. Neither koffi nor chdb needs its install script (koffi ships prebuilt
# binaries, chdb's platform package ships libchdb.so), so npm 11 skipping them is harmless;
# scripts/check-native.mjs below proves both load.
if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ] || \
   { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  echo "setup: installing npm dependencies" >&2
  # `npm install`, not `npm ci`: chdb lists platform packages for macOS and arm64 Linux that the
  # registry does not serve, so npm 11 leaves them out of the lock file and `npm ci` then refuses
  # the lock as out of sync. `npm install` still follows the committed lock for everything else.
  npm install --no-audit --no-fund
fi

# Native shims (C, against Debian's headers).
if [ -f native/Makefile ]; then
  make -s -C native
fi

# TypeScript build.
npx tsc -p tsconfig.json
node scripts/check-native.mjs
