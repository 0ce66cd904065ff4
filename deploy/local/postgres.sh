#!/usr/bin/env bash
# Throwaway PostgreSQL cluster on 127.0.0.1 for local runs and tests, using the server binaries of
# Debian's postgresql package (installed by scripts/setup-test-deps.sh; this script installs nothing).
#
# Usage: deploy/local/postgres.sh start|stop|status|env
#
#   start   initdb a fresh cluster (trust auth, loopback only), start it, create database "cairn",
#           wait for pg_isready, print CAIRN_POSTGRES_URL=postgres://cairn@127.0.0.1:<port>/cairn
#   stop    fast shutdown (immediate, then SIGKILL as fallbacks) and remove the data dir
#   With CAIRN_PG_KEEP_DATA=1, stop keeps the data dir and start restarts the server on it (same
#   databases and rows): a database outage and its recovery, as fault tests need.
#   status  exit 0 if the server runs and accepts connections, 3 if not
#   env     print CAIRN_POSTGRES_URL=...
#
# Environment: CAIRN_PG_PORT (15432), CAIRN_PG_RUN_DIR (${TMPDIR:-/tmp}/cairn-postgres-<port>),
#   CAIRN_PG_BIN (default: newest /usr/lib/postgresql/<ver>/bin), CAIRN_PG_OS_USER (when run as root:
#   the user the server runs as; default "postgres", else a "cairn" system user), CAIRN_PG_START_TIMEOUT (60 s).
set -euo pipefail

readonly PORT="${CAIRN_PG_PORT:-15432}"
readonly HOST=127.0.0.1
readonly DB_NAME=cairn
readonly DB_ROLE=cairn
readonly RUN_DIR="${CAIRN_PG_RUN_DIR:-${TMPDIR:-/tmp}/cairn-postgres-$PORT}"
readonly DATA_DIR="$RUN_DIR/data"
readonly LOG_FILE="$RUN_DIR/postgres.log"
readonly START_TIMEOUT="${CAIRN_PG_START_TIMEOUT:-60}"
readonly STOP_TIMEOUT="${CAIRN_PG_STOP_TIMEOUT:-30}"
readonly KEEP_DATA="${CAIRN_PG_KEEP_DATA:-0}"

usage() {
  echo "usage: $0 start|stop|status|env" >&2
}

log() { echo "postgres.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

find_pg_bin() {
  if [[ -n "${CAIRN_PG_BIN:-}" ]]; then
    [[ -x "$CAIRN_PG_BIN/postgres" ]] || die "CAIRN_PG_BIN=$CAIRN_PG_BIN has no postgres binary"
    echo "$CAIRN_PG_BIN"
    return 0
  fi
  local dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$dir" && -x "$dir/postgres" && -x "$dir/initdb" ]] ||
    die "no PostgreSQL server under /usr/lib/postgresql/<ver>/bin; run scripts/setup-test-deps.sh"
  echo "$dir"
}

# PostgreSQL refuses to run as root: pick an unprivileged OS user then.
pick_os_user() {
  if ((EUID != 0)); then
    id -un
  elif [[ -n "${CAIRN_PG_OS_USER:-}" ]]; then
    echo "$CAIRN_PG_OS_USER"
  elif id postgres >/dev/null 2>&1; then
    echo postgres
  else
    id cairn >/dev/null 2>&1 ||
      useradd --system --no-create-home --shell /usr/sbin/nologin cairn
    echo cairn
  fi
}

PG_BIN=""
OS_USER=""
# Resolved only for the subcommands that touch a server (env and usage have no side effects).
resolve() {
  PG_BIN="$(find_pg_bin)"
  OS_USER="$(pick_os_user)"
}

as_pg() {
  if ((EUID == 0)); then
    runuser -u "$OS_USER" -- "$@"
  else
    "$@"
  fi
}

print_env() {
  echo "CAIRN_POSTGRES_URL=postgres://$DB_ROLE@$HOST:$PORT/$DB_NAME"
}

server_running() {
  [[ -f "$DATA_DIR/PG_VERSION" ]] && as_pg "$PG_BIN/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1
}

accepting() {
  "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PORT" -U "$DB_ROLE" -d postgres -t 2
}

log_tail() {
  tail -n 40 "$LOG_FILE" >&2 2>/dev/null || true
}

start() {
  if server_running && accepting; then
    log "already running ($HOST:$PORT, data $DATA_DIR)"
    print_env
    return 0
  fi
  if server_running; then
    die "a server runs on $DATA_DIR but does not accept connections on $HOST:$PORT; run '$0 stop' first"
  fi
  if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
    die "port $PORT on $HOST is already in use by another process"
  fi

  if [[ "$KEEP_DATA" == 1 && -f "$DATA_DIR/PG_VERSION" ]]; then
    restart_kept
    return 0
  fi
  rm -rf "$DATA_DIR"
  mkdir -p "$RUN_DIR"
  ((EUID == 0)) && chown "$OS_USER" "$RUN_DIR"
  as_pg test -w "$RUN_DIR" ||
    die "$OS_USER cannot write $RUN_DIR (set CAIRN_PG_RUN_DIR or TMPDIR to a directory it can reach)"

  as_pg "$PG_BIN/initdb" -D "$DATA_DIR" -U "$DB_ROLE" -A trust -E UTF8 --locale=C --no-sync \
    >"$RUN_DIR/initdb.log" 2>&1 || { cat "$RUN_DIR/initdb.log" >&2; die "initdb failed"; }
  # Loopback only, socket in the run dir; durability off: this cluster is thrown away on stop.
  as_pg tee -a "$DATA_DIR/postgresql.conf" >/dev/null <<EOF

# cairn local/test settings
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$RUN_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

  if ! as_pg "$PG_BIN/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t "$START_TIMEOUT" start >/dev/null; then
    log_tail
    die "PostgreSQL did not start"
  fi

  local deadline=$((SECONDS + START_TIMEOUT))
  until accepting; do
    if ((SECONDS >= deadline)); then
      log_tail
      stop >/dev/null 2>&1 || true
      die "PostgreSQL not ready within ${START_TIMEOUT}s"
    fi
    sleep 0.2
  done

  "$PG_BIN/createdb" -h "$HOST" -p "$PORT" -U "$DB_ROLE" "$DB_NAME" ||
    { log_tail; die "createdb $DB_NAME failed"; }
  log "started ($HOST:$PORT, data $DATA_DIR, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'))"
  print_env
}

# Starts the server again on the data dir a CAIRN_PG_KEEP_DATA=1 stop left behind.
restart_kept() {
  if ! as_pg "$PG_BIN/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t "$START_TIMEOUT" start >/dev/null; then
    log_tail
    die "PostgreSQL did not start on the kept data dir $DATA_DIR"
  fi
  local deadline=$((SECONDS + START_TIMEOUT))
  until accepting; do
    ((SECONDS >= deadline)) && { log_tail; die "PostgreSQL not ready within ${START_TIMEOUT}s"; }
    sleep 0.2
  done
  log "restarted ($HOST:$PORT, kept data $DATA_DIR)"
  print_env
}

stop() {
  if server_running; then
    if ! as_pg "$PG_BIN/pg_ctl" -D "$DATA_DIR" -m fast -w -t "$STOP_TIMEOUT" stop >/dev/null 2>&1; then
      log "fast shutdown timed out; trying immediate"
      if ! as_pg "$PG_BIN/pg_ctl" -D "$DATA_DIR" -m immediate -w -t 10 stop >/dev/null 2>&1; then
        local pid
        pid="$(head -n 1 "$DATA_DIR/postmaster.pid" 2>/dev/null || true)"
        if [[ "$pid" =~ ^[0-9]+$ ]]; then
          log "sending SIGKILL to postmaster $pid"
          kill -KILL "$pid" 2>/dev/null || true
          while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
        fi
      fi
    fi
    log "stopped ($HOST:$PORT)"
  else
    log "not running"
  fi
  [[ "$KEEP_DATA" == 1 ]] || rm -rf "$DATA_DIR"
}

status() {
  if server_running && accepting; then
    log "running ($HOST:$PORT, data $DATA_DIR)"
    return 0
  fi
  log "not running"
  return 3
}

main() {
  case "${1:-}" in
    start) resolve; start ;;
    stop) resolve; stop ;;
    status) resolve; status ;;
    env) print_env ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
