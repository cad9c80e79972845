#!/usr/bin/env bash
# Brings a fresh clone to a runnable state, and does nothing when it already is:
#   1. Node 22 (pinned, from the npm registry) when the system Node is older than 22.12;
#   2. npm dependencies when node_modules is missing or older than package-lock.json;
#   3. ffmpeg/ffprobe: the system's, else Debian's via apt when root, else the npm-shipped static builds
#      (the shipped static ffprobe first whenever it runs);
#   4. Chromium for the site's browser tests: $VIDEOKR_CHROMIUM, the system's, else Debian's via apt when root.
#   5. redis-server for the queue's tests (each starts its own on a free loopback port):
#      $VIDEOKR_REDIS_SERVER, the system's, else Debian's via apt when root.
#   6. for the training hand-off's tests: Debian's python3 with NLTK (python3-nltk: the Porter stemmer the
#      reward module's ROUGE uses, as rouge_score does) and shellcheck, via apt when root.
# It writes tools/setup/.env.sh, which with-env.sh sources before running a command.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
NODE_VERSION=22.23.3
say() { printf '[setup] %s\n' "$*" >&2; }

# --- 1. Node ---------------------------------------------------------------------------------
# the system's Node, not the one this script provides (already on PATH when it runs under with-env.sh):
# .env.sh must name ours whenever the system's is too old, whatever shell it was written from
system_path=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v -e "^$root/.tools/" -e "^$root/node_modules/.bin" | paste -sd: -)
node_ok() { PATH="$system_path" command -v node >/dev/null 2>&1 && PATH="$system_path" node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)'; }
node_bin=""
if ! node_ok; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) platform=linux-x64 ;;
    Linux-aarch64|Linux-arm64) platform=linux-arm64 ;;
    Darwin-x86_64) platform=darwin-x64 ;;
    Darwin-arm64) platform=darwin-arm64 ;;
    *) say "no Node ${NODE_VERSION} package for $(uname -s)-$(uname -m); install Node >= 22.19 yourself"; exit 1 ;;
  esac
  dest="$root/.tools/node-v${NODE_VERSION}"
  node_bin="$dest/node_modules/node-${platform}/bin"
  if [ ! -x "$node_bin/node" ]; then
    say "system Node is $(node -v 2>/dev/null || echo missing); installing Node ${NODE_VERSION} (node-${platform}) into .tools/"
    tmp="$dest.tmp.$$"
    rm -rf "$tmp"
    npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-${platform}@${NODE_VERSION}" >&2
    rm -rf "$dest" && mv "$tmp" "$dest"
  fi
  export PATH="$node_bin:$PATH"
fi

# --- 2. npm dependencies -----------------------------------------------------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci) under Node $(node -v)"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

# --- 3. ffmpeg / ffprobe ------------------------------------------------------------------------
ffmpeg_path=""; ffprobe_path=""
shipped_ffprobe=$(node -e 'console.log(require("@ffprobe-installer/ffprobe").path)' 2>/dev/null || true)
if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
  ffmpeg_path=$(command -v ffmpeg); ffprobe_path=$(command -v ffprobe)
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "installing Debian's ffmpeg with apt-get"
  if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg) >/dev/null 2>&1; then
    ffmpeg_path=$(command -v ffmpeg); ffprobe_path=$(command -v ffprobe)
  else
    say "apt-get could not install ffmpeg; falling back to the npm-shipped binaries"
  fi
fi
if [ -z "$ffmpeg_path" ]; then
  ffmpeg_path=$(node -e 'console.log(require("@ffmpeg-installer/ffmpeg").path)' 2>/dev/null || true)
  ffprobe_path=$shipped_ffprobe
  # npm 11 does not run the installers' chmod postinstall; the tarballs ship them owner-executable only.
  [ -n "$ffmpeg_path" ] && chmod a+x "$ffmpeg_path" "$ffprobe_path" 2>/dev/null || true
fi
# ffprobe: the npm-shipped static build when it runs here. A run probes every video it meets, and a
# dynamically linked ffprobe spends about 0.17 CPU-seconds linking its libraries at each start, the static
# one about 0.02. (Its ffmpeg is a 2018 build: the system's is kept for decoding.)
if [ -n "$shipped_ffprobe" ]; then
  chmod a+x "$shipped_ffprobe" 2>/dev/null || true
  if "$shipped_ffprobe" -version >/dev/null 2>&1; then ffprobe_path=$shipped_ffprobe; fi
fi
if [ -z "$ffmpeg_path" ] || ! "$ffmpeg_path" -version >/dev/null 2>&1 || ! "$ffprobe_path" -version >/dev/null 2>&1; then
  say "no working ffmpeg/ffprobe found; install ffmpeg or set VIDEOKR_FFMPEG and VIDEOKR_FFPROBE"
  exit 1
fi

# --- 4. Chromium (browser tests of the site, through playwright-core) ---------------------------
chromium_path="${VIDEOKR_CHROMIUM:-}"
if [ -z "$chromium_path" ]; then
  chromium_path=$(command -v chromium || command -v chromium-browser || true)
fi
if [ -z "$chromium_path" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "installing Debian's chromium with apt-get (for the site's browser tests)"
  if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium) >/dev/null 2>&1; then
    chromium_path=$(command -v chromium || true)
  else
    say "apt-get could not install chromium; the browser tests will say so"
  fi
fi

# --- 5. redis-server (the tests of runs spread over workers, through BullMQ) ---------------------
redis_path="${VIDEOKR_REDIS_SERVER:-}"
if [ -z "$redis_path" ]; then
  redis_path=$(command -v redis-server || true)
fi
if [ -z "$redis_path" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "installing Debian's redis-server with apt-get (for the queue's tests; it is not started as a service)"
  # policy-rc.d keeps apt from starting a system-wide Redis: the tests start their own
  policy=/usr/sbin/policy-rc.d
  had_policy=$([ -e "$policy" ] && echo yes || echo no)
  [ "$had_policy" = no ] && printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
  if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server) >/dev/null 2>&1; then
    redis_path=$(command -v redis-server || true)
  else
    say "apt-get could not install redis-server; the queue's tests will say so"
  fi
  [ "$had_policy" = no ] && rm -f "$policy"
fi

# --- 6. Debian's python3 with NLTK, and shellcheck (train-config's reward module and launch scripts) ----
python_path="${VIDEOKR_PYTHON:-}"
if [ -z "$python_path" ] && [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import nltk.stem.porter" >/dev/null 2>&1; then
  python_path=/usr/bin/python3
fi
shellcheck_path="${VIDEOKR_SHELLCHECK:-}"
if [ -z "$shellcheck_path" ]; then
  shellcheck_path=$(command -v shellcheck || true)
fi
if { [ -z "$python_path" ] || [ -z "$shellcheck_path" ]; } && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "installing Debian's python3-nltk and shellcheck with apt-get (for the training run folder's tests)"
  if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-nltk shellcheck) >/dev/null 2>&1; then
    [ -z "$python_path" ] && python_path=/usr/bin/python3
    [ -z "$shellcheck_path" ] && shellcheck_path=$(command -v shellcheck || true)
  else
    say "apt-get could not install python3-nltk and shellcheck; the training tests will say so"
  fi
fi

env_file="$root/tools/setup/.env.sh"
{
  printf 'export PATH=%q:"$PATH"\n' "${node_bin:+$node_bin:}$root/node_modules/.bin"
  printf 'export VIDEOKR_FFMPEG=%q\n' "${VIDEOKR_FFMPEG:-$ffmpeg_path}"
  printf 'export VIDEOKR_FFPROBE=%q\n' "${VIDEOKR_FFPROBE:-$ffprobe_path}"
  printf 'export VIDEOKR_CHROMIUM=%q\n' "$chromium_path"
  printf 'export VIDEOKR_REDIS_SERVER=%q\n' "$redis_path"
  printf 'export VIDEOKR_PYTHON=%q\n' "$python_path"
  printf 'export VIDEOKR_SHELLCHECK=%q\n' "$shellcheck_path"
} >"$env_file.tmp.$$"
# a temp file of this process's own: two commands started at once in one checkout both write it
mv "$env_file.tmp.$$" "$env_file"
