#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft, combined broker+controller) on 127.0.0.1 for local runs and tests.
# The broker comes from Kafka's published Maven artifacts, fetched once with Maven into a cache dir.
#
# Usage: deploy/local/kafka.sh start|stop|status|env|fetch|topics [TopicCommand args...]
#
#   start   fetch if needed, format a fresh data dir, start the broker in the background, wait until it
#           answers requests, print CAIRN_KAFKA_BROKERS=127.0.0.1:<port> on stdout
#   stop    SIGTERM, wait, SIGKILL if needed; removes the data dir (logs stay in the run dir)
#   With CAIRN_KAFKA_KEEP_DATA=1, stop keeps the data dir and start reuses it (same cluster, topics and
#   committed offsets): a broker outage and its recovery, as fault tests need.
#   status  exit 0 if the broker runs, 3 if not
#   env     print CAIRN_KAFKA_BROKERS=127.0.0.1:<port>
#   fetch   only download the jars into the cache (no Maven run when cached); prints the cache dir
#   topics  run Kafka's TopicCommand against the broker (e.g. `topics --list`)
#
# Environment: KAFKA_VERSION (3.9.1), CAIRN_KAFKA_PORT (19092; controller on port+1),
#   CAIRN_CACHE_DIR (~/.cache/cairn), CAIRN_RUN_DIR (${TMPDIR:-/tmp}/cairn-kafka-<port>),
#   CAIRN_KAFKA_START_TIMEOUT (90 s), CAIRN_KAFKA_HEAP (-Xmx512m), CAIRN_KAFKA_KEEP_DATA (0), JAVA_HOME or JAVA.
set -euo pipefail

readonly KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
readonly SCALA_BINARY="${KAFKA_SCALA_VERSION:-2.13}"
readonly PORT="${CAIRN_KAFKA_PORT:-19092}"
readonly CONTROLLER_PORT="$((PORT + 1))"
readonly HOST=127.0.0.1
readonly CACHE_ROOT="${CAIRN_CACHE_DIR:-$HOME/.cache/cairn}"
readonly CACHE_DIR="$CACHE_ROOT/kafka-$KAFKA_VERSION"
readonly MARKER="$CACHE_DIR/.fetched"
readonly RUN_DIR="${CAIRN_RUN_DIR:-${TMPDIR:-/tmp}/cairn-kafka-$PORT}"
readonly DATA_DIR="$RUN_DIR/data"
readonly PID_FILE="$RUN_DIR/kafka.pid"
readonly LOG_DIR="$RUN_DIR/logs"
readonly START_TIMEOUT="${CAIRN_KAFKA_START_TIMEOUT:-90}"
readonly STOP_TIMEOUT="${CAIRN_KAFKA_STOP_TIMEOUT:-30}"
readonly HEAP_OPTS="${CAIRN_KAFKA_HEAP:--Xmx512m -Xms128m}"
readonly KEEP_DATA="${CAIRN_KAFKA_KEEP_DATA:-0}"
readonly DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
# Versions Kafka 3.9 itself ships with for its logging binding.
readonly SLF4J_VERSION=1.7.36
readonly RELOAD4J_VERSION=1.2.25

if [[ -n "${JAVA:-}" ]]; then
  readonly JAVA_BIN="$JAVA"
elif [[ -n "${JAVA_HOME:-}" ]]; then
  readonly JAVA_BIN="$JAVA_HOME/bin/java"
else
  readonly JAVA_BIN=java
fi

usage() {
  echo "usage: $0 start|stop|status|env|fetch|topics [TopicCommand args...]" >&2
}

log() { echo "kafka.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

port_open() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

have_jars() {
  [[ -f "$MARKER" ]] && compgen -G "$CACHE_DIR/kafka_${SCALA_BINARY}-*.jar" >/dev/null
}

write_pom() {
  cat >"$1/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.cairn</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- broker (kafka.Kafka, kafka.tools.StorageTool); pulls server-common, metadata, raft, storage, clients -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_${SCALA_BINARY}</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <!-- CLI classes (org.apache.kafka.tools.TopicCommand) used for the readiness check -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <!-- logging binding: the Kafka distribution ships slf4j-reload4j -->
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>${SLF4J_VERSION}</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>${RELOAD4J_VERSION}</version></dependency>
  </dependencies>
</project>
EOF
}

fetch() {
  if have_jars; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (needed once to fetch Kafka $KAFKA_VERSION)"
  mkdir -p "$CACHE_ROOT"
  # One fetch at a time per version; a second caller waits and then finds the marker.
  exec 9>"$CACHE_ROOT/kafka-$KAFKA_VERSION.lock"
  flock 9
  if have_jars; then
    exec 9>&-
    return 0
  fi
  local work
  work="$(mktemp -d "$CACHE_ROOT/.kafka-$KAFKA_VERSION.XXXXXX")"
  write_pom "$work"
  log "fetching Kafka $KAFKA_VERSION jars with Maven into $CACHE_DIR"
  if ! mvn -B -q -ntp -Dstyle.color=never -f "$work/pom.xml" \
    "$DEPENDENCY_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$work/jars" </dev/null >"$work/mvn.log" 2>&1; then
    tail -n 40 "$work/mvn.log" >&2
    rm -rf "$work"
    die "Maven could not fetch Kafka $KAFKA_VERSION"
  fi
  rm -rf "$CACHE_DIR"
  mv "$work/jars" "$CACHE_DIR"
  rm -rf "$work"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$MARKER"
  exec 9>&-
  log "fetched $(compgen -G "$CACHE_DIR/*.jar" | wc -l) jars"
}

# Runs a Kafka CLI class with a small, fast-starting JVM and WARN-only logging to stderr
# (under `timeout $TOOL_TIMEOUT` when that is set).
run_tool() {
  local main="$1"
  shift
  local -a prefix=()
  [[ -n "${TOOL_TIMEOUT:-}" ]] && prefix=(timeout "$TOOL_TIMEOUT")
  "${prefix[@]}" "$JAVA_BIN" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$RUN_DIR/tools-log4j.properties" \
    -cp "$CACHE_DIR/*" "$main" "$@"
}

pid_running() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid: it must still be our broker.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

is_running() {
  pid_running && port_open "$PORT"
}

write_configs() {
  mkdir -p "$LOG_DIR"
  cat >"$RUN_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
group.initial.rebalance.delay.ms=0
log.cleaner.dedupe.buffer.size=16777216
EOF
  cat >"$RUN_DIR/log4j.properties" <<EOF
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$LOG_DIR/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
EOF
  cat >"$RUN_DIR/tools-log4j.properties" <<EOF
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  cat >"$RUN_DIR/client.properties" <<EOF
request.timeout.ms=5000
default.api.timeout.ms=10000
EOF
}

# Kafka cluster ids are 16 random bytes, base64url without padding (and not starting with '-').
new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    [[ "$id" != -* ]] && break
  done
  echo "$id"
}

print_env() {
  echo "CAIRN_KAFKA_BROKERS=$HOST:$PORT"
}

log_tail() {
  log "broker did not become ready; last lines of $LOG_DIR:"
  tail -n 40 "$LOG_DIR/server.log" >&2 2>/dev/null || true
  tail -n 20 "$LOG_DIR/kafka.out" >&2 2>/dev/null || true
}

start() {
  if is_running; then
    log "already running (pid $(cat "$PID_FILE"), $HOST:$PORT)"
    print_env
    return 0
  fi
  if pid_running; then
    die "broker pid $(cat "$PID_FILE") is alive but $HOST:$PORT is closed; run '$0 stop' first"
  fi
  local p
  for p in "$PORT" "$CONTROLLER_PORT"; do
    port_open "$p" && die "port $p on $HOST is already in use by another process"
  done
  command -v "$JAVA_BIN" >/dev/null || die "java not found (set JAVA_HOME or JAVA)"
  fetch

  rm -f "$PID_FILE"
  if [[ "$KEEP_DATA" == 1 && -f "$DATA_DIR/meta.properties" ]]; then
    mkdir -p "$RUN_DIR"
    write_configs
    log "restarting on the kept data dir $DATA_DIR"
  else
    rm -rf "$DATA_DIR"
    mkdir -p "$RUN_DIR" "$DATA_DIR"
    write_configs
    : >"$LOG_DIR/server.log"
    run_tool kafka.tools.StorageTool format --cluster-id "$(new_cluster_id)" \
      --config "$RUN_DIR/server.properties" --ignore-formatted >"$LOG_DIR/format.out" 2>&1 ||
      { cat "$LOG_DIR/format.out" >&2; die "formatting $DATA_DIR failed"; }
  fi

  # setsid: own session, so the broker outlives the calling shell and its terminal signals.
  # shellcheck disable=SC2086 # HEAP_OPTS holds several JVM flags
  nohup setsid "$JAVA_BIN" $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$RUN_DIR/log4j.properties" -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$CACHE_DIR/*" kafka.Kafka "$RUN_DIR/server.properties" \
    </dev/null >"$LOG_DIR/kafka.out" 2>&1 &
  local pid=$!
  echo "$pid" >"$PID_FILE"

  local deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail
      rm -f "$PID_FILE"
      die "broker process $pid exited during startup"
    fi
    # Ready = the port accepts connections AND a real admin request (list topics) succeeds.
    local left=$((deadline - SECONDS))
    if port_open "$PORT" && TOOL_TIMEOUT=$((left < 20 ? (left > 1 ? left : 1) : 20)) \
      topics --list >/dev/null 2>&1; then
      break
    fi
    if ((SECONDS >= deadline)); then
      log_tail
      stop >/dev/null 2>&1 || true
      die "broker not ready within ${START_TIMEOUT}s"
    fi
    sleep 0.5
  done
  log "started (pid $pid) in $RUN_DIR"
  print_env
}

stop() {
  if [[ -f "$PID_FILE" ]] && pid_running; then
    local pid deadline
    pid="$(cat "$PID_FILE")"
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "broker $pid ignored SIGTERM for ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    log "stopped (pid $pid)"
  else
    log "not running"
  fi
  rm -f "$PID_FILE"
  [[ "$KEEP_DATA" == 1 ]] || rm -rf "$DATA_DIR"
}

status() {
  if is_running; then
    log "running (pid $(cat "$PID_FILE"), $HOST:$PORT)"
    return 0
  fi
  log "not running"
  return 3
}

topics() {
  have_jars || die "Kafka jars not fetched; run '$0 fetch' or '$0 start'"
  [[ -f "$RUN_DIR/tools-log4j.properties" ]] || { mkdir -p "$RUN_DIR"; write_configs; }
  run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$HOST:$PORT" \
    --command-config "$RUN_DIR/client.properties" "$@"
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    env) print_env ;;
    fetch)
      fetch
      echo "$CACHE_DIR"
      ;;
    topics) topics "$@" ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
