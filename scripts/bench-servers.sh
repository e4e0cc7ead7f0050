#!/usr/bin/env bash
# make bench-servers (not in CI): BENCH_SERVERS_N tenants (default 300) rolled
# out on one private MariaDB, then spread over BENCH_SERVERS (default 3), each
# started here with its own datadir and tmpdir under .bench-servers/ on ports
# from BENCH_SERVERS_PORT (default 3420). Writes the servers section of
# BENCHMARKS.md, then stops the servers and deletes their datadirs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
top=${BENCH_SERVERS_DIR:-$PWD/.bench-servers}
count=${BENCH_SERVERS:-3}
port=${BENCH_SERVERS_PORT:-3420}
stop_all() {
  for i in $(seq 0 $((count - 1))); do scripts/private-mariadb.sh stop "$top/s$i" || true; done
  [ -n "${BENCH_SERVERS_KEEP:-}" ] || rm -rf "$top"
}
stop_all
trap stop_all EXIT
dsns=()
for i in $(seq 0 $((count - 1))); do
  dsns+=("$(scripts/private-mariadb.sh start "$top/s$i" $((port + i)) --innodb-buffer-pool-size=256M)")
done
go run ./scripts/bench -dsn "${dsns[0]}" -servers "${dsns[*]:1}" -strata bin/strata -sizes "${BENCH_SERVERS_N:-300}" \
  -concurrency "${BENCH_CONCURRENCY:-4}" -out "${BENCH_OUT:-BENCHMARKS.md}"
