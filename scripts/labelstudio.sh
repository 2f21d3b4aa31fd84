#!/usr/bin/env bash
# Label Studio for the annotation loop, in its own virtualenv (it pins its own SDK and Django), bound to
# 127.0.0.1 with a data dir and a fixed legacy API token: no browser step.
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
TOKEN=${XXGK_LS_TOKEN:-0123456789abcdef0123456789abcdef01234567}
VERSION=1.23.2

case "${1:-}" in
  install)
    [ -x "$VENV/bin/label-studio" ] && exit 0
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q "label-studio==$VERSION"
    "$VENV/bin/label-studio" version >"$VENV/version.txt" 2>&1 || true
    ;;
  start)
    mkdir -p "$DATA"
    if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then exit 0; fi
    # local-address blocking off: the ML backend it must reach is ours, on 127.0.0.1 (the server itself binds there only)
    ML_BLOCK_LOCAL_IP=false SSRF_PROTECTION_ENABLED=false LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK=true nohup "$VENV/bin/label-studio" start --no-browser \
      --internal-host 127.0.0.1 --port "$PORT" --data-dir "$DATA" \
      --username admin@xxgk.local --password "${XXGK_LS_PASSWORD:-xxgk-local-only}" \
      --user-token "$TOKEN" --enable-legacy-api-token --log-level WARNING >"$DATA/server.log" 2>&1 &
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
    echo "export LABEL_STUDIO_URL=http://127.0.0.1:$PORT LABEL_STUDIO_API_KEY=$TOKEN"
    ;;
  *)
    echo "usage: $0 install|start|stop|env" >&2
    exit 2
    ;;
esac
