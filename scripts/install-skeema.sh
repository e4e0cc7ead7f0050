#!/usr/bin/env bash
# Builds Skeema (the peer make bench compares strata with) from the Go module
# proxy in a scratch module outside the repo (`go install x@v` fails here) and
# puts the binary in ${SKEEMA_BIN_DIR:-$HOME/.local/bin}. make bench finds it on
# PATH or through SKEEMA=/path/to/skeema. No binary is committed.
set -euo pipefail
export PATH="$PATH:/usr/local/go/bin"
version=${SKEEMA_VERSION:-v1.14.1}
bindir=${SKEEMA_BIN_DIR:-$HOME/.local/bin}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/skeema-build.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$bindir"
cd "$scratch"
go mod init skeemabuild >/dev/null 2>&1
go get "github.com/skeema/skeema@$version"
go build -o "$bindir/skeema" github.com/skeema/skeema
"$bindir/skeema" version
echo "installed $bindir/skeema; make bench uses it when it is on PATH (or SKEEMA=$bindir/skeema)"
