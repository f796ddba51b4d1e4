#!/usr/bin/env bash
# Make sure Debian's chromium is installed at /usr/bin/chromium for the browser tests (playwright-core drives it;
# `playwright install` is never used: only Debian packages and npm are reachable).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium
/usr/bin/chromium --version
