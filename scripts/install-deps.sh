#!/usr/bin/env bash
# Installs everything AI Runway needs to build and test, from Debian 12 packages only.
# Idempotent: asks dpkg what is missing, runs `apt-get update` once and only when something
# is missing, and returns in well under a second when everything is present.
set -euo pipefail

packages=(
  build-essential cmake make pkg-config ccache git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  openssl curl
  chromium
)
# The web UI builds with Node.js 20+ and npm (machines come with them); Debian's own packages
# are the fallback when none is installed.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or install them with apt-get) and try again" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
