# Shared helpers for scripts/*.sh. Sourced, not run.
log() { printf '[veloz] %s\n' "$*" >&2; }
die() { printf '[veloz] error: %s\n' "$*" >&2; exit 1; }

# apt_install PKG... : install Debian packages when possible (root or sudo), else explain and fail.
apt_install() {
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need root or sudo to apt-get install $*; install them yourself"
    sudo="sudo"
  fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* with your package manager"
  log "installing $* with apt-get"
  $sudo apt-get update -qq >/dev/null || log "apt-get update failed; trying the install anyway"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

ensure_redis_server() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  command -v redis-server >/dev/null 2>&1 || die "redis-server is still missing after apt-get"
}

# ensure_node_modules: npm ci when node_modules is missing or older than the lockfile.
ensure_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

# free_port: a TCP port nothing listens on now.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# redis_ping URL: true when a Redis answers PING at URL.
redis_ping() {
  node -e '
    const u = new URL(process.argv[1]);
    const s = require("net").connect(Number(u.port || 6379), u.hostname);
    const t = setTimeout(() => process.exit(1), 1000);
    s.on("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => { clearTimeout(t); process.exit(String(d).startsWith("+PONG") ? 0 : 1); });
    s.on("error", () => process.exit(1));
  ' "$1"
}

# ensure_promtool: Prometheus' promtool (Debian package prometheus), used by the metrics tests.
ensure_promtool() {
  command -v promtool >/dev/null 2>&1 || apt_install prometheus
  command -v promtool >/dev/null 2>&1 || die "promtool is still missing after apt-get install prometheus"
}

# ensure_chromium: Debian's Chromium for the browser tests (never a downloaded browser build).
ensure_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
  [ -x /usr/bin/chromium ] || die "/usr/bin/chromium is still missing after apt-get install chromium"
}

# --- process supervision helpers (scripts/dev.sh, scripts/start.sh) -------------------------------

# port_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_free() {
  node -e '
    const s = require("net").createServer();
    s.once("error", () => process.exit(1));
    s.listen(Number(process.argv[1]), "127.0.0.1", () => s.close(() => process.exit(0)));
  ' "$1"
}

# check_port_var NAME: the variable NAME holds a TCP port 1-65535 that is free now; else die naming it.
check_port_var() {
  local name="$1" value="${!1:-}"
  [[ "$value" =~ ^[0-9]+$ ]] && [ "$value" -ge 1 ] && [ "$value" -le 65535 ] ||
    die "$name must be a TCP port 1-65535 (got '$value')"
  port_free "$value" || die "$name: port $value is already in use (stop what uses it or set $name)"
}

# gen_token: a random operator token (48 hex characters after a prefix).
gen_token() {
  node -e 'console.log("veloz_op_" + require("crypto").randomBytes(24).toString("hex"))'
}

# proc_alive PID: true when PID exists and is not a zombie.
proc_alive() {
  local s
  s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$s" ] && [ "${s:0:1}" != Z ]
}

# descendants PID: every descendant of PID (children first level first), one per line.
descendants() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2; pids[NR] = $1 }
    END {
      want[root] = 1; changed = 1
      while (changed) {
        changed = 0
        for (i in pids) { p = pids[i]; if (!(p in want) && (parent[p] in want)) { want[p] = 1; changed = 1 } }
      }
      for (p in want) if (p != root) print p
    }'
}

# stop_tree PID SECONDS: SIGTERM the process group led by PID and every descendant of PID, wait up to
# SECONDS for all of them to exit, then SIGKILL what is left. Reaps PID when it is our child.
stop_tree() {
  local root="$1" grace="${2:-10}" pids p left deadline
  pids="$root $(descendants "$root" | tr '\n' ' ')"
  kill -TERM -- "-$root" 2>/dev/null || true
  for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
  deadline=$((SECONDS + grace))
  while :; do
    left=""
    for p in $pids; do proc_alive "$p" && left="$left $p"; done
    [ -z "$left" ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "still running after ${grace}s, killing:$left"
      kill -KILL -- "-$root" 2>/dev/null || true
      for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
      break
    fi
    sleep 0.1
  done
  wait "$root" 2>/dev/null || true
}

# wait_healthy URL SECONDS [PID...]: poll URL (a VeloZ /api/health) until it answers 200 with ok: true.
# Exit 0 healthy, 3 answered but not healthy in time, 1 never answered, 4 one of the PIDs exited meanwhile.
wait_healthy() {
  node -e '
    const fs = require("fs");
    const [url, seconds, ...pids] = process.argv.slice(1);
    const deadline = Date.now() + Number(seconds) * 1000;
    const alive = (p) => {
      try { const st = fs.readFileSync(`/proc/${p}/stat`, "utf8"); return st.slice(st.lastIndexOf(")") + 2)[0] !== "Z"; }
      catch { try { process.kill(Number(p), 0); return true; } catch { return false; } }
    };
    let answered = false;
    (async () => {
      for (;;) {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
          answered = true;
          const body = await res.json().catch(() => ({}));
          if (res.status === 200 && body.ok === true) process.exit(0);
        } catch {}
        if (pids.some((p) => !alive(p))) process.exit(4);
        if (Date.now() > deadline) process.exit(answered ? 3 : 1);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
  ' "$@"
}

# use_or_start_redis DIR: keep REDIS_URL (default redis://127.0.0.1:6379) when a Redis answers there,
# else start redis-server with AOF persistence under DIR (installing it when absent) and point REDIS_URL
# at it. Sets redis_pid (empty when an existing Redis is used).
use_or_start_redis() {
  local dir="$1" port host
  redis_pid=""
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
  if redis_ping "$REDIS_URL"; then
    log "using Redis at $(printf '%s' "$REDIS_URL" | sed -E 's#//[^@/]*@#//***@#')"
    return 0
  fi
  ensure_redis_server
  mkdir -p "$dir"
  host=$(node -e 'try{const u=new URL(process.argv[1]);console.log(u.hostname+" "+(u.port||6379))}catch{console.log("- 0")}' "$REDIS_URL")
  port="${host#* }"
  host="${host% *}"
  if { [ "$host" != 127.0.0.1 ] && [ "$host" != localhost ]; } || ! port_free "$port"; then port=$(free_port); fi
  log "no Redis answers at REDIS_URL; starting redis-server (AOF) under $dir on port $port"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --appendonly yes --appendfsync everysec \
    --save '' --logfile "$dir/redis.log" &
  redis_pid=$!
  export REDIS_URL="redis://127.0.0.1:$port"
  local i
  for i in $(seq 1 100); do
    redis_ping "$REDIS_URL" && return 0
    proc_alive "$redis_pid" || break
    sleep 0.1
  done
  die "redis-server did not start; see $dir/redis.log"
}

# wait_http URL SECONDS: poll URL until it answers any HTTP status; false after SECONDS.
wait_http() {
  node -e '
    const [url, seconds] = process.argv.slice(1);
    const deadline = Date.now() + Number(seconds) * 1000;
    (async () => {
      for (;;) {
        try { await fetch(url, { signal: AbortSignal.timeout(2000) }); process.exit(0); } catch {}
        if (Date.now() > deadline) process.exit(1);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
  ' "$@"
}

# http_body URL: print the body of GET URL (empty when it does not answer).
http_body() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(3000) }).then((r) => r.text()).then((t) => console.log(t), () => {})' "$1"
}

# The settings dev.sh and start.sh share. VELOZ_DEV_DIR (state directory, default $root/.veloz) and
# VELOZ_DEV_WAIT_S (start-up deadline, default 180) are read into state_dir and wait_s and not passed on
# (the engine rejects VELOZ_* variables it does not know); the account and ports get their defaults.
read_run_settings() {
  state_dir="${VELOZ_DEV_DIR:-$root/.veloz}"
  wait_s="${VELOZ_DEV_WAIT_S:-180}"
  unset VELOZ_DEV_DIR VELOZ_DEV_WAIT_S
  [[ "$wait_s" =~ ^[0-9]+$ ]] || die "VELOZ_DEV_WAIT_S must be a whole number of seconds (got '$wait_s')"
  export VELOZ_ACCOUNT="${VELOZ_ACCOUNT:-dev}"
  export VELOZ_API_PORT="${VELOZ_API_PORT:-8080}" VELOZ_SIM_PORT="${VELOZ_SIM_PORT:-7070}"
}
