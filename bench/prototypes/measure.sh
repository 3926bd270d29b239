#!/usr/bin/env bash
# Measures server CPU µs per request of bare-express.ts and the get-by-id-front.ts variants on one
# SQLite file, alternating rounds: servers pinned to core 1, autocannon to core 0, CPU from
# /proc/<pid>/stat (utime+stime, 100 ticks/s) over the timed window only (after a 1 s warm-up).
# bench/prototypes/measure.sh <sqlite file> [rounds] [seconds]   (prints one TSV line per run)
set -euo pipefail
db=$1; rounds=${2:-5}; seconds=${3:-5}
cd "$(dirname "$0")/../.."
variants=(bare full no-line no-histogram neither)
ticks() { awk '{ s = substr($0, index($0, ")") + 2); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
start() {
  case $1 in
    bare) taskset -c 1 node bench/servers/bare-express.ts "$2" "$db" >/dev/null & ;;
    full) taskset -c 1 node bench/prototypes/get-by-id-front.ts "$2" "$db" >/dev/null & ;;
    no-line) taskset -c 1 node bench/prototypes/get-by-id-front.ts "$2" "$db" --no-access-line >/dev/null & ;;
    no-histogram) taskset -c 1 node bench/prototypes/get-by-id-front.ts "$2" "$db" --no-histogram >/dev/null & ;;
    neither) taskset -c 1 node bench/prototypes/get-by-id-front.ts "$2" "$db" --no-access-line --no-histogram >/dev/null & ;;
  esac
  echo $!
}
port=4710
for round in $(seq 1 "$rounds"); do
  for variant in "${variants[@]}"; do
    port=$((port + 1))
    pid=$(start "$variant" "$port")
    until curl -sf -o /dev/null "http://127.0.0.1:$port/api/platforms/1"; do sleep 0.1; done
    taskset -c 0 npx autocannon -c 16 -d 1 "http://127.0.0.1:$port/api/platforms/1" >/dev/null 2>&1
    before=$(ticks "$pid")
    out=$(taskset -c 0 npx autocannon -c 16 -d "$seconds" -j "http://127.0.0.1:$port/api/platforms/1" 2>/dev/null)
    after=$(ticks "$pid")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    requests=$(node -e 'const r = JSON.parse(process.argv[1]); console.log(r.requests.total, r["2xx"], r.non2xx)' "$out")
    node -e 'const [v, r, b, a, n, ok, bad] = process.argv.slice(1); console.log([r, v, n, ok, bad, ((a - b) * 1e6 / 100 / n).toFixed(1)].join("\t"))' "$variant" "$round" "$before" "$after" $requests
  done
done
