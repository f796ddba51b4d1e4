#!/usr/bin/env bash
# The whole test suite: type check, then every test file with node's test runner.
# Browser tests need Debian's chromium: installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
if [ -f scripts/ensure-chromium.sh ]; then bash scripts/ensure-chromium.sh; fi
npx tsc -p .
exec node --import tsx --test test/*.test.ts
