#!/usr/bin/env bash
# make bench-scale (not in CI; some 20-30 minutes on 2 cores): the make bench
# fixture at N=1,000 and N=10,000 in one run, on a private MariaDB this script
# starts (own datadir and tmpdir under BENCH_SCALE_DIR, port BENCH_SCALE_PORT)
# with table_definition_cache and innodb_open_files sized for the 10,000
# tenants' ~110k tables, as the README advises. Phases: provision, no-op plan,
# rollout (then a plan counts the converged tenants), drift sweep with 10
# hand-made changes. Writes the scale section of BENCHMARKS.md, then stops
# the server and deletes its datadir.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
dir=${BENCH_SCALE_DIR:-$PWD/.bench-scale}
port=${BENCH_SCALE_PORT:-3410}
cache=${BENCH_SCALE_TABLES:-120000}
scripts/private-mariadb.sh stop "$dir" || true
rm -rf "$dir"
trap 'scripts/private-mariadb.sh stop "$dir"; [ -n "${BENCH_SCALE_KEEP:-}" ] || rm -rf "$dir"' EXIT
# innodb_open_files needs as many file descriptors: capped by the hard limit
# of this process (mariadbd falls back to table_open_cache above it).
fds=$(ulimit -Hn)
[ "$fds" = unlimited ] && fds=$((cache * 2 + 10000))
open_files=$((fds - 4000 < cache ? fds - 4000 : cache))
dsn=$(scripts/private-mariadb.sh start "$dir" "$port" --table-definition-cache="$cache" --innodb-open-files="$open_files" \
  --open-files-limit="$fds" --innodb-buffer-pool-size=1G)
go run ./scripts/bench -scale -dsn "$dsn" -strata bin/strata -sizes "${BENCH_SCALE_SIZES:-1000 10000}" -drift 10 \
  -concurrency "${BENCH_CONCURRENCY:-4}" -out "${BENCH_OUT:-BENCHMARKS.md}"
