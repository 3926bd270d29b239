#!/usr/bin/env bash
# Server CPU µs per request of platform-service direct and through each proxy prototype, GET by id,
# alternating: every round starts the built service (production env, scratch copy of the SQLite
# file), measures it direct, then through each variant (started fresh). Servers pinned to core 1,
# autocannon -c 16 to core 0, CPU from /proc/<pid>/stat (utime+stime, 100 ticks/s) over the timed
# window only, after a 1 s warm-up (3 s more for the fresh service). Direct is measured at both ends of a round.
# bench/prototypes/proxy-measure.sh <rounds> <seconds> [variant...]
#   variants: l4 http-undici llhttp-bare llhttp llhttp-consume-bare llhttp-consume gateway (default: all),
#     and gateway-uds (the built gateway reaching the service over a Unix domain socket: a copy of
#     gateway/dist-bench whose undici Pool gets `socketPath`; the service also listens on that socket
#     through proxy-uds-listen.mjs) and gateway-pipelined (a copy whose Pool has 2 connections with
#     HTTP/1.1 pipelining of 16), and nginx (proxy-nginx.conf: the gateway's API work as nginx
#     configuration, as ingress-nginx does it; needs Debian's nginx-light), and http-node (proxy-http-node.ts)
#   SCHED='chrt -b 0' (optional): a command put before every server started, e.g. to run them as SCHED_BATCH
# Prints one TSV line per run: round variant requests non2xx service_us proxy_us
# (service_us: the service's CPU per request in that run; proxy_us: the proxy's, 0 when direct).
set -uo pipefail
rounds=${1:-6}; seconds=${2:-5}; shift 2 || true
variants=("$@"); [[ ${#variants[@]} -eq 0 ]] && variants=(l4 http-undici llhttp-bare llhttp llhttp-consume-bare llhttp-consume gateway)
cd "$(dirname "$0")/../.."
repo=$PWD
main=${MAIN:-/work/main}   # where the built parts (platform-service/dist-bench, gateway/dist-bench) are
path=/api/platforms/1
db=$(mktemp /tmp/proxy-measure-XXXX.sqlite)
cp "$main/bench/results/data/rest-get-by-id.sqlite" "$db"
sock=$(mktemp -u /tmp/proxy-measure-XXXX.sock)
# gateway-uds / gateway-pipelined: copies of the built gateway with one Pool option more.
variantGateway() { # name pool-options
  rm -rf "$main/gateway/dist-$1"; cp -r "$main/gateway/dist-bench" "$main/gateway/dist-$1"
  # The Pool's options end with `bodyTimeout: <options>.timeout }`, minified or not.
  OPTS="$2" perl -0pi -e 's/(bodyTimeout:\s*[\w\$]+\.timeout)(\s*\})/$1, $ENV{OPTS}$2/ or die' "$main/gateway/dist-$1/main.js" ||
    { echo "cannot patch the gateway's Pool for $1" >&2; exit 1; }
}
variantGateway uds "socketPath: '$sock'"
variantGateway pipelined 'connections: 2, pipelining: 16'
ticks() { awk '{ s = substr($0, index($0, ")") + 2); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
port=$((20000 + RANDOM % 20000))
startService() {
  env NODE_ENV=production HOST=127.0.0.1 HTTP_PORT=$1 GRPC_PORT=$(($1 + 1)) DB_DRIVER=sqlite DB_URL=$db SEED_DATA=false COMMANDS_SYNC_ENABLED=false \
    LOG_LEVEL=info LOG_FORMAT=json AUTH_JWKS_URL=http://127.0.0.1:9/jwks AUTH_ISSUER=bench AUTH_AUDIENCE=bench MALLOC_ARENA_MAX=2 \
    UDS_PATH=$sock ${SCHED:-} taskset -c 1 node --import "$repo/bench/prototypes/proxy-uds-listen.mjs" --max-semi-space-size=4 "$main/platform-service/dist-bench/main.js" >/dev/null 2>&1 &
  echo $!
}
startProxy() { # variant port upstream
  case $1 in
    l4) ${SCHED:-} taskset -c 1 node "$repo/bench/prototypes/proxy-l4.ts" "$2" "$3" >/dev/null 2>&1 & ;;
    http-undici) ${SCHED:-} taskset -c 1 node "$repo/bench/prototypes/proxy-http-undici.ts" "$2" "$3" >/dev/null 2>&1 & ;;
    http-node) ${SCHED:-} taskset -c 1 node "$repo/bench/prototypes/proxy-http-node.ts" "$2" "$3" >/dev/null 2>&1 & ;;
    llhttp-bare) ${SCHED:-} taskset -c 1 node ${PROF:-} "$repo/bench/prototypes/proxy-llhttp.ts" "$2" "$3" --bare >/dev/null 2>&1 & ;;
    llhttp) ${SCHED:-} taskset -c 1 node ${PROF:-} "$repo/bench/prototypes/proxy-llhttp.ts" "$2" "$3" http://127.0.0.1:9 >/dev/null 2>&1 & ;;
    llhttp-consume-bare) ${SCHED:-} taskset -c 1 node ${PROF:-} "$repo/bench/prototypes/proxy-llhttp.ts" "$2" "$3" --consume --bare >/dev/null 2>&1 & ;;
    llhttp-consume) ${SCHED:-} taskset -c 1 node ${PROF:-} "$repo/bench/prototypes/proxy-llhttp.ts" "$2" "$3" http://127.0.0.1:9 --consume >/dev/null 2>&1 & ;;
    gateway-uds|gateway-pipelined) (cd "$main" && exec env NODE_ENV=production HOST=127.0.0.1 HTTP_PORT=$2 PLATFORM_SERVICE_URL=$3 COMMANDS_SERVICE_URL=http://127.0.0.1:9 LOG_LEVEL=info LOG_FORMAT=json MALLOC_ARENA_MAX=2 \
      ${SCHED:-} taskset -c 1 node --max-semi-space-size=4 "gateway/dist-${1#gateway-}/main.js" >/dev/null 2>/tmp/proxy-measure-gateway.err) & ;;
    nginx) mkdir -p "$sock.nginx"; sed -e "s|@PORT@|$2|; s|@UPSTREAM@|${3#http://}|; s|@DIR@|$sock.nginx|g" "$repo/bench/prototypes/proxy-nginx.conf" > "$sock.nginx/nginx.conf"
      ${SCHED:-} taskset -c 1 nginx -c "$sock.nginx/nginx.conf" -e "$sock.nginx/error.log" >/dev/null 2>&1 & ;;
    gateway) (cd "$main" && exec env NODE_ENV=production HOST=127.0.0.1 HTTP_PORT=$2 PLATFORM_SERVICE_URL=$3 COMMANDS_SERVICE_URL=http://127.0.0.1:9 LOG_LEVEL=info LOG_FORMAT=json MALLOC_ARENA_MAX=2 \
      ${SCHED:-} taskset -c 1 node --max-semi-space-size=4 gateway/dist-bench/main.js >/dev/null 2>/tmp/proxy-measure-gateway.err) & ;;
  esac
  echo $!
}
measure() { # label round service_pid proxy_pid url
  taskset -c 0 npx autocannon -c 16 -d 1 "$5" >/dev/null 2>&1
  local sb pb sa pa out
  sb=$(ticks "$3"); pb=0; [[ $4 != - ]] && pb=$(ticks "$4")
  out=$(taskset -c 0 npx autocannon -c 16 -d "$seconds" -j "$5" 2>/dev/null)
  sa=$(ticks "$3"); pa=0; [[ $4 != - ]] && pa=$(ticks "$4")
  node -e 'const [v, r, sb, sa, pb, pa, out] = process.argv.slice(1); const j = JSON.parse(out); const n = j.requests.total;
    console.log([r, v, n, j.non2xx, ((sa - sb) * 1e4 / n).toFixed(1), ((pa - pb) * 1e4 / n).toFixed(1)].join("\t"))' "$1" "$2" "$sb" "$sa" "$pb" "$pa" "$out"
}
wait_for() { for _ in $(seq 1 "${2:-300}"); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }
for round in $(seq 1 "$rounds"); do
  port=$((port + 10)); sport=$port
  spid=$(startService "$sport")
  if ! wait_for "http://127.0.0.1:$sport$path" 600; then kill "$spid"; wait "$spid" 2>/dev/null; continue; fi
  taskset -c 0 npx autocannon -c 16 -d 3 "http://127.0.0.1:$sport$path" >/dev/null 2>&1   # the service's JIT warm-up
  measure direct "$round" "$spid" - "http://127.0.0.1:$sport$path"
  for variant in "${variants[@]}"; do
    pport=$((port + 2 + RANDOM % 7))
    ppid=$(startProxy "$variant" "$pport" "http://127.0.0.1:$sport")
    if wait_for "http://127.0.0.1:$pport$path"; then measure "$variant" "$round" "$spid" "$ppid" "http://127.0.0.1:$pport$path"; fi
    kill "$ppid"; wait "$ppid" 2>/dev/null
  done
  measure direct "$round" "$spid" - "http://127.0.0.1:$sport$path"
  kill "$spid"; wait "$spid" 2>/dev/null
done
rm -rf "$db" "$db-wal" "$db-shm" "$sock" "$sock.nginx" "$main/gateway/dist-uds" "$main/gateway/dist-pipelined"
