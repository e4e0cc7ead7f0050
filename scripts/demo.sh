#!/usr/bin/env bash
# make demo: validate the example config repo, show the plan, converge every example tenant on a
# MariaDB (started if needed), then show status and that a second plan has nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
strata=bin/strata
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

export STRATA_PRIMARY_DSN
STRATA_PRIMARY_DSN=$(scripts/ensure-mariadb.sh)

# The key that encrypts tenant credentials in the landlord. The demo uses a fixed, public key so
# that every checkout on this machine can read the demo tenants' credentials; never use it for
# real tenants (make one with `openssl rand -hex 32`).
export STRATA_SECRET_KEY=${STRATA_SECRET_KEY:-0000000000000000000000000000000000000000000000000000000000de0001}

# Exit code 2 means "changes pending or blocked": expected here, not a failure.
run() { "$@" || { rc=$?; [ "$rc" = 2 ] || exit "$rc"; }; }

step "strata validate --repo examples"
$strata validate --repo examples
step "strata plan --repo examples"
run $strata plan --repo examples
step "strata apply --repo examples"
run $strata apply --repo examples
step "strata status --repo examples"
$strata status --repo examples
step "strata plan --repo examples (again: nothing to do)"
run $strata plan --repo examples
step "strata credentials nepali-congress --repo examples"
$strata credentials nepali-congress --repo examples
