#!/usr/bin/env bash
# Installs the system packages glossbook needs, where they are missing.
#   scripts/system-deps.sh          Pango: WeasyPrint's text layout (the PDF edition), and
#                                   HarfBuzz's subsetting library, which WeasyPrint uses to
#                                   embed fonts (faster than fontTools, and without a warning
#                                   per font on every build)
#   scripts/system-deps.sh test     also chromium (preview tests, driven by Playwright),
#                                   poppler-utils (reading PDFs back), a Java runtime (EPUBCheck)
# ICU (collation) comes inside the pyicu-wheels wheel: nothing to compile, no libicu-dev.
# Runs apt-get only when something is missing and apt-get is usable (root, Debian/Ubuntu).
set -euo pipefail
missing=()
# WeasyPrint lays out the PDF with Pango (>= 1.44) and finds fonts with fontconfig.
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
# WeasyPrint subsets fonts with HarfBuzz (>= 4.1) when libharfbuzz-subset is there, else with
# fontTools: wanted, not required (older releases, such as Ubuntu 22.04, lack the package).
wanted=()
ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset.so.0 || wanted+=(libharfbuzz-subset0)
if [ "${1:-}" = test ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
fi
if [ ${#missing[@]} -eq 0 ] && [ ${#wanted[@]} -eq 0 ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Installing system packages: ${missing[*]} ${wanted[*]}" >&2
  apt-get update -qq >/dev/null
  if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [ ${#wanted[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null ||
      echo "${wanted[*]} is not available here: WeasyPrint will subset fonts with fontTools." >&2
  fi
elif [ ${#missing[@]} -eq 0 ]; then
  echo "Optional, for faster PDF builds: ${wanted[*]} (e.g. sudo apt-get install ${wanted[*]})." >&2
else
  echo "glossbook needs these system packages: ${missing[*]}" >&2
  echo "Install them with your package manager (e.g. sudo apt-get install ${missing[*]}) and retry." >&2
  exit 1
fi
