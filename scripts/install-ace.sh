#!/usr/bin/env bash
# Installs DAISY Ace (the EPUB accessibility checker, an npm package) into a project-local
# folder, by default .venv/ace, where `glossbook check` and the tests find it. Puppeteer is
# told not to download a browser: Ace drives the machine's Chromium (scripts/system-deps.sh
# test installs it).
#   scripts/install-ace.sh [FOLDER]
set -euo pipefail
ACE_VERSION="1.4.6"
folder="${1:-.venv/ace}"
if [ -x "$folder/node_modules/.bin/ace-cli" ] \
  && grep -q "\"version\": \"$ACE_VERSION\"" "$folder/node_modules/@daisy/ace-cli/package.json" 2>/dev/null; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "DAISY Ace needs Node.js and npm: install them (e.g. apt-get install nodejs npm) and retry." >&2
  exit 1
fi
mkdir -p "$folder"
echo "Installing DAISY Ace $ACE_VERSION into $folder" >&2
PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "$folder" --no-audit --no-fund --loglevel=error \
  --no-save "@daisy/ace-cli@$ACE_VERSION" >/dev/null
test -x "$folder/node_modules/.bin/ace-cli"
