#!/usr/bin/env bash
# A private MariaDB for the benchmarks, never the shared server:
#   private-mariadb.sh start DIR PORT [mariadbd options...]  prints its DSN once it answers
#   private-mariadb.sh stop DIR                              stops it (SIGTERM) and waits
# DIR holds the datadir, the server's own tmpdir (mariadbd deletes every #sql*
# file in its tmpdir at start: never /tmp itself), socket, pid file and log.
set -euo pipefail
say() { printf 'private-mariadb: %s\n' "$*" >&2; }
find_prog() { command -v "$1" 2>/dev/null || ls "/usr/sbin/$1" 2>/dev/null || true; }

case "${1:-}" in
start)
  dir=$2 port=$3; shift 3
  case "$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")" in /tmp | /tmp/) say "DIR must not be /tmp itself"; exit 1 ;; esac
  mariadbd=$(find_prog mariadbd) install_db=$(find_prog mariadb-install-db)
  [ -n "$mariadbd" ] && [ -n "$install_db" ] || { say "mariadbd and mariadb-install-db are needed"; exit 1; }
  mkdir -p "$dir/tmp"
  dir=$(cd "$dir" && pwd)
  user=$(id -un)
  if [ ! -d "$dir/data/mysql" ]; then
    "$install_db" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --auth-root-authentication-method=normal --skip-test-db \
      --user="$user" >"$dir/install.log" 2>&1 || { say "mariadb-install-db failed; see $dir/install.log"; exit 1; }
  fi
  nohup "$mariadbd" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --port="$port" --bind-address=127.0.0.1 \
    --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" --log-error="$dir/error.log" --user="$user" \
    --skip-log-bin --max-connections=1000 "$@" >/dev/null 2>&1 &
  for _ in $(seq 1 240); do
    if mariadb --connect-timeout=2 --protocol=tcp -h 127.0.0.1 -P "$port" -uroot -e 'SELECT 1' >/dev/null 2>&1; then
      echo "root:@tcp(127.0.0.1:$port)/"
      exit 0
    fi
    sleep 0.5
  done
  say "the server in $dir did not answer on port $port; see $dir/error.log"
  exit 1
  ;;
stop)
  dir=$2
  [ -f "$dir/mysqld.pid" ] || exit 0
  pid=$(cat "$dir/mysqld.pid")
  kill "$pid" 2>/dev/null || exit 0
  while kill -0 "$pid" 2>/dev/null; do sleep 0.5; done
  ;;
*)
  say "usage: $0 start DIR PORT [mariadbd options...] | stop DIR"
  exit 2
  ;;
esac
