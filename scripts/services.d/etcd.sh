# etcd for kivigo's tests: the distribution's etcd-server (binary /usr/bin/etcd), one member on
# 127.0.0.1:2379 (clients) and 127.0.0.1:2380 (peers). Its data directory is created afresh under
# "$STATE/etcd" at every start (nothing is kept between runs). A server already answering on 2379
# is reused; the tests give every case its own key prefix. Old revisions are compacted (all but the
# last 100,000) so that a long-lived test server does not fill etcd's 2 GiB quota.
#
# etcd_prepare also installs protoc (Debian package protobuf-compiler): the kivigo-etcd crate
# cannot be built without it (nor without the well-known types in libprotobuf-dev), and it runs
# even when a running etcd is reused.

ETCD_CLIENT_PORT=2379
ETCD_PEER_PORT=2380

etcd_prepare() {
  # libprotobuf-dev holds the well-known .proto files (descriptor.proto...) protoc needs for
  # etcd's definitions; apt_install skips recommended packages, so it is named here.
  apt_install protobuf-compiler libprotobuf-dev
}

etcd_ready() {
  # etcd's /health over bash's /dev/tcp, so the check needs neither curl nor etcdctl.
  (
    exec 3<>"/dev/tcp/127.0.0.1/$ETCD_CLIENT_PORT" || exit 1
    printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    reply="$(timeout 2 cat <&3)" || exit 1
    [[ "$reply" == *'"health":"true"'* ]]
  ) 2>/dev/null
}

etcd_start() {
  command -v etcd >/dev/null 2>&1 || [ -x /usr/bin/etcd ] || apt_install etcd-server
  local etcd_bin
  etcd_bin="$(command -v etcd || echo /usr/bin/etcd)"
  rm -rf "$STATE/etcd"
  mkdir -p "$STATE/etcd"
  log "starting etcd on 127.0.0.1:$ETCD_CLIENT_PORT"
  "$etcd_bin" --name kivigo-test --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "kivigo-test=http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster-state new \
    --auto-compaction-mode revision --auto-compaction-retention 100000 \
    >"$STATE/etcd.log" 2>&1 &
  remember etcd $!
}

etcd_url() {
  echo "etcd://127.0.0.1:$ETCD_CLIENT_PORT"
}
