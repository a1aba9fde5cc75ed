# A throwaway PostgreSQL server for the tests, sourced by .ci/run (bash).
#
#   start_test_postgres   initdb a cluster in a temp folder, start it on 127.0.0.1 on a free port
#                         (fsync off: it holds nothing worth keeping), export TEST_DATABASE_URL
#   stop_test_postgres    stop it and delete the folder (.ci/run calls it from an EXIT trap)
#
# The server requires a password (scram-sha-256), so the wrong-password test runs too. PostgreSQL
# refuses to run as root: as root, the cluster belongs to the `postgres` user.

test_postgres_bindir() {
  # Debian keeps initdb and pg_ctl out of PATH, under /usr/lib/postgresql/<version>/bin.
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
    echo "$dir"
  elif command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
  fi
}

_as_cluster_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_test_postgres() {
  local bindir port password
  bindir=$(test_postgres_bindir)
  if [ -z "$bindir" ]; then
    echo "PostgreSQL's initdb was not found: install the postgresql package" >&2
    return 1
  fi
  TEST_POSTGRES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/clanstats-ci-postgres.XXXXXX")
  [ "$(id -u)" = 0 ] && chown postgres "$TEST_POSTGRES_DIR"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  printf '%s\n' "$password" >"$TEST_POSTGRES_DIR/pwfile"
  [ "$(id -u)" = 0 ] && chown postgres "$TEST_POSTGRES_DIR/pwfile"
  _as_cluster_owner "$bindir/initdb" -D "$TEST_POSTGRES_DIR/data" -U clanstats \
    --pwfile="$TEST_POSTGRES_DIR/pwfile" --auth=scram-sha-256 -E UTF8 --locale=C >/dev/null
  rm -f "$TEST_POSTGRES_DIR/pwfile"
  _as_cluster_owner "$bindir/pg_ctl" -D "$TEST_POSTGRES_DIR/data" -l "$TEST_POSTGRES_DIR/server.log" \
    -w -t 60 -o "-c listen_addresses=127.0.0.1 -p $port -k $TEST_POSTGRES_DIR -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
  TEST_POSTGRES_BINDIR=$bindir
  export TEST_DATABASE_URL="postgresql+psycopg://clanstats:$password@127.0.0.1:$port/postgres"
  echo "test PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_test_postgres() {
  if [ -n "${TEST_POSTGRES_DIR:-}" ] && [ -d "$TEST_POSTGRES_DIR" ]; then
    _as_cluster_owner "$TEST_POSTGRES_BINDIR/pg_ctl" -D "$TEST_POSTGRES_DIR/data" -m immediate \
      stop >/dev/null 2>&1 || true
    rm -rf "$TEST_POSTGRES_DIR"
  fi
}
