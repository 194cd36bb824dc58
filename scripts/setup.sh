#!/usr/bin/env bash
# Installs what tidemark needs on a Debian/Ubuntu machine, idempotently: the Debian packages
# (MariaDB for the tests and the demo; a C toolchain and librdkafka's build dependencies, because
# the Kafka client is compiled here; kcat, the third-party Kafka client the tests read with;
# bsdutils for script(1), which runs the CLI in a pseudo-terminal in the tests; chromium, the
# browser the dashboard tests drive with playwright-core), then the npm packages.
# `npm run setup`; .ci/run calls it too.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

packages=(mariadb-server mariadb-client build-essential python3 pkg-config kcat bsdutils chromium
  zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# @confluentinc/kafka-javascript downloads a prebuilt binary when it can and otherwise builds
# librdkafka from source; "dynamic" links it against the -dev packages above instead of
# downloading their sources (no internet needed).
export CKJS_LINKING=dynamic
npm ci --no-audit --no-fund
