#!/usr/bin/env bash
# Installs the system packages Jejak's build needs (Debian/Ubuntu). Idempotent: quiet when
# everything is already present. Run as root or with sudo available.
set -euo pipefail

packages=(liblmdb-dev libsodium-dev libsqlite3-dev zlib1g-dev pkg-config wrk age nginx)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "Tools/setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

if ! command -v swift >/dev/null 2>&1; then
  echo "Tools/setup.sh: the Swift toolchain (6.2 or later) is not on PATH; install it from swift.org." >&2
  exit 1
fi
