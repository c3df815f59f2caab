# Redis for kivigo's tests: redis-server from the distribution's packages, on 127.0.0.1:6379,
# without persistence (no RDB snapshots, no AOF). A server already answering on 6379 is reused;
# the tests keep to database 15 and give every case its own key prefix.

REDIS_PORT=6379

redis_ready() {
  # PING over bash's /dev/tcp, so the check needs no redis-cli.
  (
    exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT" || exit 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 2 reply <&3 || exit 1
    [[ "$reply" == +PONG* ]]
  ) 2>/dev/null
}

redis_start() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  mkdir -p "$STATE/redis"
  log "starting redis-server on 127.0.0.1:$REDIS_PORT"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --daemonize no --dir "$STATE/redis" >"$STATE/redis.log" 2>&1 &
  remember redis $!
}

redis_url() {
  echo "redis://127.0.0.1:$REDIS_PORT/15"
}
