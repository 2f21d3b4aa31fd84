#!/usr/bin/env bash
# Label Studio for the annotation loop, in its own virtualenv (it pins its own SDK and Django), bound to
# 127.0.0.1 with a data dir. On the first start a random password and API token are generated into
# $DATA/credentials (mode 0600); they reach Label Studio through its environment, never its command line
# (so `ps` does not show them). SSRF protection stays on; only the ML backend may be on the loopback address.
#
#   scripts/labelstudio.sh install   # .venv-ls with label-studio (once)
#   scripts/labelstudio.sh start     # start in the background and wait until it answers
#   scripts/labelstudio.sh stop
#   scripts/labelstudio.sh env       # prints the LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY the CLI reads
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${XXGK_LS_VENV:-.venv-ls}
DATA=${XXGK_LS_DATA:-.ls-data}
PORT=${XXGK_LS_PORT:-8089}
VERSION=1.23.2
CREDENTIALS="$DATA/credentials"
# Label Studio's default reserved networks (core/utils/io.py validate_ip) without 127.0.0.0/8 and ::1/128
BANNED="0.0.0.0/8,10.0.0.0/8,100.64.0.0/10,169.254.0.0/16,172.16.0.0/12,192.0.0.0/24,192.0.2.0/24,192.88.99.0/24"
BANNED="$BANNED,192.168.0.0/16,198.18.0.0/15,198.51.100.0/24,203.0.113.0/24,224.0.0.0/4,233.252.0.0/24,240.0.0.0/4"
BANNED="$BANNED,255.255.255.255/32,::/128,::ffff:0:0/96,::ffff:0:0:0/96,64:ff9b::/96,64:ff9b:1::/48,100::/64"
BANNED="$BANNED,2001:0000::/32,2001:20::/28,2001:db8::/32,2002::/16,fc00::/7,fe80::/10,ff00::/8"

credentials() {  # generate once, then read: LS_USER, LS_PASSWORD, LS_TOKEN
  mkdir -p "$DATA"
  if [ ! -s "$CREDENTIALS" ]; then
    (umask 077 && python3 - >"$CREDENTIALS" <<'PY'
import secrets
print("LS_USER=admin@xxgk.local")
print(f"LS_PASSWORD={secrets.token_urlsafe(18)}")
print(f"LS_TOKEN={secrets.token_hex(20)}")
PY
    )
  fi
  chmod 600 "$CREDENTIALS"
  # shellcheck disable=SC1090
  . "$CREDENTIALS"
}

case "${1:-}" in
  install)
    [ -x "$VENV/bin/label-studio" ] && exit 0
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q "label-studio==$VERSION"
    # the version from the installed metadata (`label-studio version` asks a package index)
    "$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('label-studio'))" >"$VENV/version.txt"
    ;;
  start)
    credentials
    if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then
      # ours (started from this data dir, so it knows this token), or another one holding the port
      if [ -f "$DATA/server.pid" ] && kill -0 "$(cat "$DATA/server.pid")" 2>/dev/null; then exit 0; fi
      echo "port $PORT already serves a Label Studio that was not started from $DATA (its token differs);" \
        "stop it or set XXGK_LS_PORT" >&2
      exit 1
    fi
    # SSRF protection on, with Label Studio's own list of reserved networks less the loopback range only: the ML
    # backend it must reach is ours, on 127.0.0.1 (the server binds there only); every other reserved network stays
    # banned for URL imports, webhooks, storages and backends alike.
    # Nothing leaves the machine: no check of PyPI for a newer version, no analytics.
    LATEST_VERSION_CHECK=false COLLECT_ANALYTICS=false \
      LABEL_STUDIO_USERNAME="$LS_USER" LABEL_STUDIO_PASSWORD="$LS_PASSWORD" LABEL_STUDIO_USER_TOKEN="$LS_TOKEN" \
      SSRF_PROTECTION_ENABLED=true USE_DEFAULT_BANNED_SUBNETS=false USER_ADDITIONAL_BANNED_SUBNETS="$BANNED" \
      ML_BLOCK_LOCAL_IP=false LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK=true \
      nohup "$VENV/bin/label-studio" start --no-browser \
      --internal-host 127.0.0.1 --port "$PORT" --data-dir "$DATA" \
      --enable-legacy-api-token --log-level WARNING >"$DATA/server.log" 2>&1 &
    echo $! >"$DATA/server.pid"
    for _ in $(seq 1 180); do
      if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then exit 0; fi
      sleep 1
    done
    echo "Label Studio did not start; see $DATA/server.log" >&2
    tail -20 "$DATA/server.log" >&2
    exit 1
    ;;
  stop)
    if [ -f "$DATA/server.pid" ]; then kill "$(cat "$DATA/server.pid")" 2>/dev/null || true; rm -f "$DATA/server.pid"; fi
    ;;
  env)
    credentials
    echo "export LABEL_STUDIO_URL=http://127.0.0.1:$PORT LABEL_STUDIO_API_KEY=$LS_TOKEN"
    echo "# log in at http://127.0.0.1:$PORT as $LS_USER with the password in $CREDENTIALS" >&2
    ;;
  *)
    echo "usage: $0 install|start|stop|env" >&2
    exit 2
    ;;
esac
