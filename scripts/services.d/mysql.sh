# MariaDB (or MySQL) for the kivigo-sql tests (sourced by scripts/services).
#
# Reuses a server on 127.0.0.1:3306 when root can connect without a password; otherwise installs
# the Debian package mariadb-server and runs mariadbd with its data in "$STATE/mysql", bound to
# 127.0.0.1. Either way the test database `kivigo_test` is created when missing.

MYSQL_PORT="${KIVIGO_MYSQL_PORT:-3306}"
MYSQL_DB=kivigo_test

mysql_client() {
  mariadb -uroot -h127.0.0.1 -P"$MYSQL_PORT" --protocol=tcp "$@" 2>/dev/null ||
    mysql -uroot -h127.0.0.1 -P"$MYSQL_PORT" --protocol=tcp "$@"
}

mysql_ready() {
  command -v mysqladmin >/dev/null 2>&1 || return 1
  mysqladmin -uroot -h127.0.0.1 -P"$MYSQL_PORT" --protocol=tcp ping >/dev/null 2>&1 || return 1
  mysql_client -e "CREATE DATABASE IF NOT EXISTS $MYSQL_DB" >/dev/null 2>&1
}

mysql_start() {
  if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
    apt_install mariadb-server
  fi
  local data="$STATE/mysql" server=/usr/sbin/mariadbd
  command -v mariadbd >/dev/null 2>&1 && server="$(command -v mariadbd)"
  mkdir -p "$data" "$STATE/mysql-run"
  chown mysql:mysql "$data" "$STATE/mysql-run" 2>/dev/null || true
  if [ ! -d "$data/mysql" ]; then
    log "initialising a MariaDB data directory in $data"
    mariadb-install-db --user=mysql --datadir="$data" --auth-root-authentication-method=normal \
      --skip-test-db >"$STATE/mysql.log" 2>&1
  fi
  log "starting MariaDB on 127.0.0.1:$MYSQL_PORT"
  "$server" --user=mysql --datadir="$data" --bind-address=127.0.0.1 --port="$MYSQL_PORT" \
    --socket="$STATE/mysql-run/mysqld.sock" --pid-file="$STATE/mysql-run/mysqld.pid" \
    >>"$STATE/mysql.log" 2>&1 &
  remember mysql "$!"
}

mysql_url() {
  echo "mysql://root@127.0.0.1:$MYSQL_PORT/$MYSQL_DB"
}
