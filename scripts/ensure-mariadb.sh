#!/usr/bin/env bash
# Prints the DSN of a MariaDB that strata's demo and tests can use, starting one if needed:
#   1. the server on 127.0.0.1:3306 (root, empty password) if it answers;
#   2. else a private server from the installed mariadbd, kept in .mariadb/ on port 3307;
#   3. else, when run as root, Debian's mariadb-server is installed first, then as 2.
# STRATA_TEST_DSN, when set, is printed as it is. Progress goes to stderr; only the DSN to stdout.
set -euo pipefail
say() { printf 'ensure-mariadb: %s\n' "$*" >&2; }

if [ -n "${STRATA_TEST_DSN:-}" ]; then echo "$STRATA_TEST_DSN"; exit 0; fi

answers() { # host port
  command -v mariadb >/dev/null 2>&1 || command -v mysql >/dev/null 2>&1 || return 1
  local client; client=$(command -v mariadb || command -v mysql)
  "$client" --connect-timeout=3 -h "$1" -P "$2" -uroot -e 'SELECT 1' >/dev/null 2>&1
}

if answers 127.0.0.1 3306; then echo 'root:@tcp(127.0.0.1:3306)/'; exit 0; fi

top=$(cd "$(dirname "$0")/.." && pwd)
dir="$top/.mariadb"
port=3307
if answers 127.0.0.1 "$port"; then echo "root:@tcp(127.0.0.1:$port)/"; exit 0; fi

mariadbd=$(command -v mariadbd || ls /usr/sbin/mariadbd 2>/dev/null || true)
if [ -z "$mariadbd" ]; then
  if [ "$(id -u)" != 0 ]; then
    say "no MariaDB answers on 127.0.0.1:3306 and mariadbd is not installed; run: sudo apt-get install mariadb-server"
    exit 1
  fi
  say "installing Debian's mariadb-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq mariadb-server mariadb-client >&2
  mariadbd=/usr/sbin/mariadbd
fi

user_flag=()
[ "$(id -u)" = 0 ] && user_flag=(--user=root)
if [ ! -d "$dir/data/mysql" ]; then
  say "initialising a private MariaDB in $dir"
  mkdir -p "$dir/data" "$dir/tmp"
  install_db=$(command -v mariadb-install-db || command -v mysql_install_db)
  # Its own tmpdir here too: the bootstrap server deletes #sql* files like mariadbd.
  "$install_db" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --auth-root-authentication-method=normal "${user_flag[@]}" >"$dir/install.log" 2>&1 ||
    { say "mariadb-install-db failed; see $dir/install.log"; exit 1; }
fi
say "starting a private MariaDB on 127.0.0.1:$port (data in $dir)"
# Its own tmpdir: at start mariadbd deletes every #sql* file in its tmpdir,
# which in a shared /tmp are another server's temporary tables in use.
mkdir -p "$dir/tmp"
nohup "$mariadbd" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --port="$port" --bind-address=127.0.0.1 \
  --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" --log-error="$dir/error.log" \
  --max-connections=1000 "${user_flag[@]}" >/dev/null 2>&1 &
for _ in $(seq 1 60); do
  if answers 127.0.0.1 "$port"; then echo "root:@tcp(127.0.0.1:$port)/"; exit 0; fi
  sleep 0.5
done
say "the private MariaDB did not start; see $dir/error.log"
exit 1
