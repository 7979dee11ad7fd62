#!/usr/bin/env bash
# Installs the Debian packages odesynth needs, plus any given as arguments, if missing.
# Runs apt-get update first whenever something has to be installed. Needs root (or sudo).
set -euo pipefail

packages=(cmake make g++ libeigen3-dev libboost-dev libfmt-dev "$@")
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
sudo=""
if [[ "$(id -u)" -ne 0 ]]; then
  sudo="sudo"
fi
echo "installing: ${missing[*]}"
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
