#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine (idempotent; fast when all is there).
# Works unattended (CI=true, no stdin). Per-step timings go to stderr; stdout gets one line,
# CAIRN_TOOLS_DIR=<dir>, the directory to put on PATH for the tools installed here (grpcurl).
#
# Usage: scripts/setup-test-deps.sh
#
# Environment: CAIRN_TOOLS_DIR (${CAIRN_CACHE_DIR:-~/.cache/cairn}/bin), CAIRN_CACHE_DIR, KAFKA_VERSION.
set -euo pipefail

readonly GRPCURL_VERSION=v1.9.4
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly TOOLS_DIR="${CAIRN_TOOLS_DIR:-${CAIRN_CACHE_DIR:-$HOME/.cache/cairn}/bin}"
# Debian packages the tests use: kcat (Kafka CLI checks), postgresql (server for deploy/local/postgres.sh).
readonly APT_PACKAGES=(kcat postgresql)

usage() {
  echo "usage: $0" >&2
}

log() { echo "setup-test-deps: $*" >&2; }
die() { log "error: $*"; exit 1; }

STEP_NOTE=""
# step <name> <function>: runs one step and prints its wall time and outcome on one line.
step() {
  local name="$1" t0 ms
  shift
  STEP_NOTE=""
  t0="${EPOCHREALTIME/[.,]/}"
  "$@"
  ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
  log "$(printf '%-14s %4d.%01ds  %s' "$name" $((ms / 1000)) $(((ms % 1000) / 100)) "$STEP_NOTE")"
}

as_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo -n "$@"
  else
    die "need root (or passwordless sudo) to run: $*"
  fi
}

pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

install_apt() {
  local -a missing=()
  local p
  for p in "${APT_PACKAGES[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  # Normally on the machine image already; installed here only if absent.
  command -v java >/dev/null || missing+=(default-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  if ((${#missing[@]} == 0)); then
    STEP_NOTE="already installed: ${APT_PACKAGES[*]}"
    return 0
  fi
  # `env` so the setting survives sudo's environment reset.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
  STEP_NOTE="installed: ${missing[*]}"
}

grpcurl_current() {
  [[ -x "$TOOLS_DIR/grpcurl" ]] &&
    "$TOOLS_DIR/grpcurl" -version 2>&1 | grep -qF "grpcurl $GRPCURL_VERSION"
}

install_grpcurl() {
  if grpcurl_current; then
    STEP_NOTE="grpcurl $GRPCURL_VERSION already in $TOOLS_DIR"
    return 0
  fi
  local go_bin
  go_bin="$(command -v go)" || die "go not found on PATH (needed to build grpcurl)"
  mkdir -p "$TOOLS_DIR"
  # GOTOOLCHAIN=local: build with the installed Go, never fetch another toolchain.
  # grpcurl's release builds stamp main.version; without it `grpcurl -version` says "dev build".
  GOBIN="$TOOLS_DIR" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
    "$go_bin" install -trimpath -ldflags "-s -w -X main.version=$GRPCURL_VERSION" \
    "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION" </dev/null
  grpcurl_current || die "grpcurl $GRPCURL_VERSION not usable after install"
  STEP_NOTE="installed grpcurl $GRPCURL_VERSION into $TOOLS_DIR"
}

fetch_kafka() {
  local dir
  dir="$("$REPO_ROOT/deploy/local/kafka.sh" fetch </dev/null)"
  STEP_NOTE="Kafka jars in $dir"
}

fetch_model() {
  local line
  line="$(bash "$REPO_ROOT/scripts/fetch-model.sh" </dev/null)"
  STEP_NOTE="all-MiniLM-L6-v2 in ${line#CAIRN_MODEL_DIR=}"
}

# Later tools (helm via `go install` into $TOOLS_DIR, kubernetes-validate and checkov from PyPI)
# get their own install_<tool> function and a `step` line in main, below the ones there now.

main() {
  case "${1:-}" in
    "") ;;
    -h | --help | help) usage; return 0 ;;
    *) usage; exit 2 ;;
  esac
  local t0="${EPOCHREALTIME/[.,]/}" ms
  step apt install_apt
  step grpcurl install_grpcurl
  step kafka-jars fetch_kafka
  step model fetch_model
  # step helm install_helm                              (later)
  # step k8s-validate install_kubernetes_validate      (later)
  # step checkov install_checkov                        (later)
  ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
  log "$(printf '%-14s %4d.%01ds' total $((ms / 1000)) $(((ms % 1000) / 100)))"
  echo "CAIRN_TOOLS_DIR=$TOOLS_DIR"
}

main "$@"
