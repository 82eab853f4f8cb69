#!/usr/bin/env bash
# The scaled recipe on one machine, without Docker: N app processes and HAProxy
# in front of them, all on loopback.
#
#   bash deploy/local.sh --replicas 2 --port 8500
#
# Serves the lab at http://127.0.0.1:PORT/ and stays in the foreground; Ctrl-C or
# SIGTERM stops everything it started. Each replica is one `streamlit run` on a
# port of its own; HAProxy pins a browser to one replica with a cookie (a
# Streamlit session lives in one process: its websocket, its media and its
# uploads must reach that process), sends new sessions to the replica with the
# fewest connections, and stops sending to a replica whose health check fails.
# Prints one line per replica ("replica NAME pid PID port PORT") and, when the
# proxy answers, "haproxy socket PATH" (its runtime API) and "serving URL".
# Needs Debian's haproxy (apt-get install haproxy).
set -euo pipefail

replicas=2
port=8500
while [ $# -gt 0 ]; do
  case "$1" in
    --replicas) replicas="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "local.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
case "$replicas" in ''|*[!0-9]*|0) echo "local.sh: --replicas takes a whole number ≥ 1" >&2; exit 2 ;; esac
case "$port" in ''|*[!0-9]*) echo "local.sh: --port takes a port number" >&2; exit 2 ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
haproxy=$(command -v haproxy || true)
[ -n "$haproxy" ] || haproxy=/usr/sbin/haproxy
[ -x "$haproxy" ] || { echo "local.sh: haproxy not found: apt-get install haproxy" >&2; exit 1; }

run=$(mktemp -d "${TMPDIR:-/tmp}/normlab-local.XXXXXX")
pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$run"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# One cookie secret for every replica: Streamlit signs its XSRF cookie with it,
# so a browser moved to another replica (its own died) still has a valid token.
STREAMLIT_SERVER_COOKIE_SECRET=$("$python" -c 'import secrets; print(secrets.token_hex(32))')
export STREAMLIT_SERVER_COOKIE_SECRET  # Streamlit takes it from the environment only
# One results directory for every replica: a run computed on one is served by all.
export NORMLAB_RESULTS="${NORMLAB_RESULTS:-$run/results}"
mkdir -p "$NORMLAB_RESULTS"

servers=""
ports=()
for i in $(seq 1 "$replicas"); do
  p=$(free_port)
  (cd "$root" && exec "$python" -m streamlit run app.py \
    --server.port "$p" --server.address 127.0.0.1 --server.headless true \
    --server.fileWatcherType none \
    >"$run/replica$i.log" 2>&1) &
  pids+=("$!")
  ports+=("$p")
  echo "replica r$i pid $! port $p"
  servers+="    server r$i 127.0.0.1:$p check cookie r$i"$'\n'
done

healthy() {
  "$python" -c "import sys, urllib.request as u; u.urlopen(sys.argv[1] + '/_stcore/health', timeout=1)" "$1" 2>/dev/null
}
alive() {
  kill -0 "$1" 2>/dev/null && return 0
  echo "local.sh: $2 exited; its log:" >&2
  tail -n 20 "$3" >&2
  exit 1
}

# Start the proxy once every replica answers (so it never sees them down at start).
for i in $(seq 1 "$replicas"); do
  until healthy "http://127.0.0.1:${ports[$((i - 1))]}"; do
    alive "${pids[$((i - 1))]}" "replica r$i" "$run/replica$i.log"
    sleep 0.2
  done
done

sed -e "s/@PORT@/$port/" -e "s#@SOCKET@#$run/haproxy.sock#" "$root/deploy/haproxy.cfg" \
  | awk -v servers="$servers" '{ if ($0 ~ /@SERVERS@/) printf "%s", servers; else print }' \
  >"$run/haproxy.cfg"
"$haproxy" -W -db -f "$run/haproxy.cfg" &
proxy=$!
pids+=("$proxy")

url="http://127.0.0.1:$port"
until healthy "$url"; do
  alive "$proxy" haproxy /dev/null
  sleep 0.2
done
echo "haproxy socket $run/haproxy.sock"
echo "serving $url/"
wait "$proxy"
