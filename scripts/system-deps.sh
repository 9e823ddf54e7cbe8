#!/usr/bin/env bash
# Installs the system packages glossbook's set-up needs, where they are missing:
#   libicu-dev, pkg-config  to compile PyICU (Unicode collation)
# Runs apt-get only when something is missing and apt-get is usable (root, Debian/Ubuntu).
set -euo pipefail
missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists icu-i18n 2>/dev/null || missing+=(libicu-dev)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Installing system packages: ${missing[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "glossbook needs these system packages: ${missing[*]}" >&2
  echo "Install them with your package manager (e.g. sudo apt-get install ${missing[*]}) and retry." >&2
  exit 1
fi
