#!/usr/bin/env bash
# make bench: measure strata against the mariadb-client floor and, when it is
# installed, Skeema (scripts/install-skeema.sh builds it; SKEEMA=/path/to/skeema
# or skeema on PATH) on a fleet of BENCH_N tenants (default 1000;
# BENCH_SIZES="100 1000" to compare sizes) on a MariaDB started if needed, and
# write the tables to BENCHMARKS.md (keeping the bench-scale and bench-servers
# sections).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
dsn=$(scripts/ensure-mariadb.sh)
sizes=${BENCH_SIZES:-"100 ${BENCH_N:-1000}"}
skeema=${SKEEMA:-$(command -v skeema || { [ -x "$HOME/.local/bin/skeema" ] && echo "$HOME/.local/bin/skeema"; } || true)}
[ -n "$skeema" ] || echo "bench: skeema not installed (scripts/install-skeema.sh builds it); measuring without it" >&2
exec go run ./scripts/bench -dsn "$dsn" -strata bin/strata -sizes "$sizes" -skeema "$skeema" \
  -concurrency "${BENCH_CONCURRENCY:-4}" -out "${BENCH_OUT:-BENCHMARKS.md}"
