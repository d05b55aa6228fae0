#!/usr/bin/env bash
# Runs every GrainLimiter test. Installs what the tests need first, so a fresh machine with
# only the .NET SDK works: redis-server (Debian package), Garnet (dotnet tool from the repo's
# manifest), and the npm gRPC peer used by the wire tests. The tests start and stop the servers.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if command -v apt-get >/dev/null && { [ -z "$sudo" ] || command -v sudo >/dev/null; }; then
    echo "Installing redis-server (Debian package) for the storage tests..."
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server redis-tools >/dev/null
  else
    echo "redis-server is not installed and cannot be installed here (needs apt-get as root or sudo)." >&2
    echo "Install Redis 7 (e.g. 'apt-get install redis-server') and run again." >&2
    exit 1
  fi
fi

dotnet tool restore >/dev/null

if [ -f tests/node/package.json ]; then
  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test GrainLimiter.sln --nologo "$@" 2>&1 | tee "$log" || status=$?

# One closing line over all test assemblies.
awk '/^(Passed|Failed)! /{ for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) } }
     END { printf "%d passed, %d failed\n", p, f }' "$log" | tr -d ','  | sed 's/^\([0-9]*\) passed \([0-9]*\) failed$/\1 passed, \2 failed/'
exit $status
