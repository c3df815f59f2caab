# MongoDB for the tests. Debian has no MongoDB server, so by default this is nx-27017 (PyPI), a
# MongoDB wire-protocol server on SQLite, installed into a virtual environment under build/ and
# started on 127.0.0.1:27017 with a throwaway data directory. A real mongod already answering on
# the port is reused instead; to point the tests at another server, set KIVIGO_TEST_MONGODB_URL
# yourself and skip `scripts/services start mongodb`.

MONGODB_PORT=27017
MONGODB_NX_VERSION=0.8.1
MONGODB_VENV="$STATE/mongodb-venv"

# True when something on the port answers a MongoDB `ping` (an OP_MSG built and read with the
# Python standard library, so it works before the virtual environment exists).
mongodb_ready() {
  python3 - "$MONGODB_PORT" <<'PY'
import socket, struct, sys

def bson(pairs):
    body = b""
    for name, value in pairs:
        key = name.encode() + b"\0"
        if isinstance(value, int):
            body += b"\x10" + key + struct.pack("<i", value)
        else:
            text = value.encode() + b"\0"
            body += b"\x02" + key + struct.pack("<i", len(text)) + text
    return struct.pack("<i", len(body) + 5) + body + b"\0"

command = bson([("ping", 1), ("$db", "admin")])
payload = struct.pack("<I", 0) + b"\0" + command  # flags, section kind 0, the command
header = struct.pack("<iiii", 16 + len(payload), 1, 0, 2013)  # length, id, reply-to, OP_MSG
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as conn:
        conn.sendall(header + payload)
        reply = b""
        while len(reply) < 4 or len(reply) < struct.unpack("<i", reply[:4])[0]:
            chunk = conn.recv(65536)
            if not chunk:
                sys.exit(1)
            reply += chunk
except OSError:
    sys.exit(1)
# `ok` is a double (0x01) or an int32 (0x10) in the reply's body; 1 means the ping worked.
body = reply[21:]
for marker, size, fmt in ((b"\x01ok\0", 8, "<d"), (b"\x10ok\0", 4, "<i")):
    at = body.find(marker)
    if at >= 0:
        value = struct.unpack(fmt, body[at + 4 : at + 4 + size])[0]
        sys.exit(0 if value == 1 else 1)
sys.exit(1)
PY
}

mongodb_start() {
  if [ ! -x "$MONGODB_VENV/bin/nx-27017" ]; then
    log "installing nx-27017 $MONGODB_NX_VERSION into $MONGODB_VENV"
    if ! python3 -m venv "$MONGODB_VENV" >&2; then
      apt_install python3-venv
      python3 -m venv "$MONGODB_VENV" >&2
    fi
    "$MONGODB_VENV/bin/pip" install --quiet --disable-pip-version-check \
      "nx-27017==$MONGODB_NX_VERSION" >&2
  fi
  # Test data only: every start begins empty.
  rm -rf "$STATE/mongodb"
  mkdir -p "$STATE/mongodb"
  log "starting nx-27017 on 127.0.0.1:$MONGODB_PORT"
  "$MONGODB_VENV/bin/nx-27017" --host 127.0.0.1 --port "$MONGODB_PORT" \
    --data-dir "$STATE/mongodb" --pid-file "$STATE/mongodb/nx-27017.pid" \
    --log-file "$STATE/mongodb/server.log" >"$STATE/mongodb.log" 2>&1 &
  remember mongodb $!
}

mongodb_url() {
  echo "mongodb://127.0.0.1:$MONGODB_PORT/?directConnection=true"
}
