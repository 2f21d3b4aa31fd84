#!/usr/bin/env bash
# Headless Chromium for the review page's browser test (tests/test_view.py): Debian's chromium and
# chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver) and a CJK font, from Debian's package registry.
#
#   scripts/browser.sh install   # once; a no-op when they are there
#
# Where packages cannot be installed (not root, no sudo, no registry) it says so and exits 0: the browser test
# is then skipped with that reason, and the rest of the suite runs.
set -uo pipefail
PACKAGES="chromium chromium-driver fonts-noto-cjk"
case "${1:-}" in
  install)
    if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"
    else echo "browser.sh: not root and no sudo: cannot install $PACKAGES (the browser test will be skipped)" >&2; exit 0; fi
    export DEBIAN_FRONTEND=noninteractive
    if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends $PACKAGES; } >/tmp/xxgk-browser-install.log 2>&1; then
      echo "browser.sh: apt-get failed (see /tmp/xxgk-browser-install.log); the browser test will be skipped" >&2
      tail -5 /tmp/xxgk-browser-install.log >&2
    fi
    exit 0
    ;;
  *)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
