# memcached for kivigo-memcached's tests: the Debian package, on 127.0.0.1:11211, memory only
# (memcached keeps nothing on disk), UDP off. Sourced by scripts/services.

MEMCACHED_PORT=11211

# True when something on the port answers the text protocol's `version` command.
memcached_ready() {
  local reply
  reply="$(
    exec 3<>"/dev/tcp/127.0.0.1/$MEMCACHED_PORT" || exit 1
    printf 'version\r\n' >&3
    timeout 2 head -n 1 <&3
  )" 2>/dev/null || return 1
  [[ "$reply" == VERSION* ]]
}

memcached_start() {
  command -v memcached >/dev/null 2>&1 || apt_install memcached
  mkdir -p "$STATE/memcached"
  # -U 0 turns UDP off; -m is the cache size in MiB; -I the item size limit (the default, 1 MiB,
  # which the backend's max_value_size assumes).
  memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 256 -I 1m -u "$(id -un)" \
    >"$STATE/memcached.log" 2>&1 &
  remember memcached $!
}

memcached_url() {
  echo "memcached://127.0.0.1:$MEMCACHED_PORT"
}
