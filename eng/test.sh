#!/usr/bin/env bash
# Runs every GrainLimiter test. Installs what the tests need first, so a fresh machine with
# only the .NET SDK works: redis-server, prometheus and chromium (Debian packages), Garnet (dotnet tool from
# the repo's manifest), the grainlimiter CLI (packed from client/GrainLimiter.Cli into .packages, then the same manifest),
# and the npm gRPC peers used by the wire tests. The tests start and stop the servers.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests start: redis-server (storage tests), prometheus + promtool (a real scraper for /metrics),
# chromium (the dashboard tests drive it with Playwright; its own browsers are never downloaded).
missing=()
command -v redis-server >/dev/null || missing+=(redis-server redis-tools)
{ command -v prometheus >/dev/null && command -v promtool >/dev/null; } || missing+=(prometheus)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if command -v apt-get >/dev/null && { [ -z "$sudo" ] || command -v sudo >/dev/null; }; then
    echo "Installing ${missing[*]} (Debian packages) for the tests..."
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "${missing[*]} not installed and cannot be installed here (needs apt-get as root or sudo)." >&2
    echo "Install them (e.g. 'apt-get install redis-server redis-tools prometheus chromium') and run again." >&2
    exit 1
  fi
fi

# No C# line over 160 characters (docs/tests.md): checked first, as a build does not. Characters, not bytes: UTF-8 locale.
if long=$(git ls-files -z '*.cs' 2>/dev/null | LC_ALL=C.UTF-8 xargs -0 -r grep -nE '^.{161,}' | cut -d: -f1-2) && [ -n "$long" ]; then
  echo "Lines over 160 characters; wrap them:" >&2
  echo "$long" >&2
  exit 1
fi

# The grainlimiter CLI is a tool of the repo's manifest built from this repo: pack it into the local feed (.packages) first.
dotnet pack client/GrainLimiter.Cli -c Release --nologo -v quiet >/dev/null
dotnet tool restore --add-source .packages >/dev/null

if [ -f tests/node/package.json ]; then
  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# One test assembly at a time (-m:1): GrainLimiter.Silo.Tests is about 7 of the run's minutes, so running the others
# beside it would save at most the two minutes they take and double the CPU its silo processes compete for.
dotnet test GrainLimiter.sln --nologo -m:1 "$@" 2>&1 | tee "$log" || status=$?

# One closing line over all test assemblies.
awk '/^(Passed|Failed)! /{ for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) } }
     END { printf "%d passed, %d failed\n", p, f }' "$log" | tr -d ','  | sed 's/^\([0-9]*\) passed \([0-9]*\) failed$/\1 passed, \2 failed/'
exit $status
