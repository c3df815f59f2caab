# PostgreSQL for the kivigo-sql tests (sourced by scripts/services).
#
# Reuses a server on 127.0.0.1:5432 when the test user can connect; otherwise installs the
# Debian package and runs a private cluster in "$STATE/postgres" (trust authentication, listening
# on 127.0.0.1 only), as the `postgres` user because PostgreSQL refuses to run as root. Either
# way the test database `kivigo_test` is created when missing.

POSTGRES_PORT="${KIVIGO_POSTGRES_PORT:-5432}"
POSTGRES_USER="${KIVIGO_POSTGRES_USER:-postgres}"
POSTGRES_DB=kivigo_test

postgres_psql() {
  psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

postgres_create_db() {
  if [ "$(postgres_psql -c "SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DB'")" != 1 ]; then
    postgres_psql -c "CREATE DATABASE $POSTGRES_DB" >/dev/null 2>&1 || true
  fi
  [ "$(postgres_psql -c "SELECT 1 FROM pg_database WHERE datname = '$POSTGRES_DB'")" = 1 ]
}

postgres_ready() {
  command -v pg_isready >/dev/null 2>&1 || return 1
  pg_isready -q -h 127.0.0.1 -p "$POSTGRES_PORT" || return 1
  postgres_psql -c 'SELECT 1' >/dev/null 2>&1 || return 1
  postgres_create_db
}

postgres_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] && echo "$dir"
}

postgres_start() {
  if ! command -v pg_isready >/dev/null 2>&1 || [ -z "$(postgres_bin)" ]; then
    apt_install postgresql
  fi
  local bin data="$STATE/postgres"
  bin="$(postgres_bin)"
  mkdir -p "$data"
  chown postgres:postgres "$data"
  chmod 700 "$data"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising a PostgreSQL cluster in $data"
    su postgres -s /bin/sh -c "'$bin/initdb' -D '$data' -U '$POSTGRES_USER' --auth=trust -E UTF8" \
      >"$STATE/postgres.log" 2>&1
  fi
  touch "$STATE/postgres.log"
  chown postgres:postgres "$STATE/postgres.log"
  mkdir -p "$STATE/postgres-run"
  chown postgres:postgres "$STATE/postgres-run"
  log "starting PostgreSQL on 127.0.0.1:$POSTGRES_PORT"
  su postgres -s /bin/sh -c "exec '$bin/postgres' -D '$data' -h 127.0.0.1 -p '$POSTGRES_PORT' \
    -k '$STATE/postgres-run' >>'$STATE/postgres.log' 2>&1" &
  # `su` forks the server; wait for its pid file to learn the server's own PID.
  wait_for "[ -s '$data/postmaster.pid' ]" 30 || true
  if [ -s "$data/postmaster.pid" ]; then
    remember postgres "$(head -n 1 "$data/postmaster.pid")"
  fi
}

postgres_url() {
  echo "postgres://$POSTGRES_USER@127.0.0.1:$POSTGRES_PORT/$POSTGRES_DB"
}
