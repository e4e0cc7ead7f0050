#!/usr/bin/env bash
# make bench: measure strata against the mariadb-client floor on a fleet of
# BENCH_N tenants (default 1000; BENCH_SIZES="100 1000" to compare sizes) on a
# MariaDB started if needed, and write the table to BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
dsn=$(scripts/ensure-mariadb.sh)
sizes=${BENCH_SIZES:-"100 ${BENCH_N:-1000}"}
exec go run ./scripts/bench -dsn "$dsn" -strata bin/strata -sizes "$sizes" \
  -concurrency "${BENCH_CONCURRENCY:-4}" -out "${BENCH_OUT:-BENCHMARKS.md}"
