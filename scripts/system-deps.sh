#!/usr/bin/env bash
# Installs the system packages glossbook needs, where they are missing.
#   scripts/system-deps.sh          libicu-dev, pkg-config: to compile PyICU (collation);
#                                   Pango: WeasyPrint's text layout (the PDF edition)
#   scripts/system-deps.sh test     also chromium (preview tests, driven by Playwright),
#                                   poppler-utils (reading PDFs back), a Java runtime (EPUBCheck),
#                                   Node.js and npm (DAISY Ace: scripts/install-ace.sh)
# Runs apt-get only when something is missing and apt-get is usable (root, Debian/Ubuntu).
set -euo pipefail
missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists icu-i18n 2>/dev/null || missing+=(libicu-dev)
# WeasyPrint lays out the PDF with Pango (>= 1.44) and finds fonts with fontconfig.
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "${1:-}" = test ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Installing system packages: ${missing[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "glossbook needs these system packages: ${missing[*]}" >&2
  echo "Install them with your package manager (e.g. sudo apt-get install ${missing[*]}) and retry." >&2
  exit 1
fi
