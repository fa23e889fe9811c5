#!/usr/bin/env bash
# Installs Debian's Chromium and its WebDriver (chromium-driver) for the real-browser test of the web chat.
# Called by `make install` only when /usr/bin/chromium is missing and apt-get is available; safe to run again.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    echo "chromium and chromedriver already installed"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt-get not available: install chromium and chromium-driver yourself (the browser test skips without them)" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "not root and no sudo: cannot install chromium (the browser test skips without it)" >&2
        exit 0
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver
/usr/bin/chromium --version
