#!/usr/bin/env bash
# Runs a command after set-up, under the project's Node and binaries: `with-env.sh nx run-many -t test`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$root/tools/setup/setup.sh"
# shellcheck source=/dev/null
. "$root/tools/setup/.env.sh"
# Nx: offline, no daemon, no cloud, plain output (also set in nx.json); Astro: no telemetry.
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE_WARNING=true ASTRO_TELEMETRY_DISABLED=1
export NODE_OPTIONS="${NODE_OPTIONS:-} --conditions=@videokr/source --disable-warning=ExperimentalWarning"
exec "$@"
