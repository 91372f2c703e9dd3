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
