#!/usr/bin/env bash
# `srthub serve` under load, release build, loopback only:
#   1. 32 concurrent `srthub pull`s (each into its own fresh home) of a 5 MB checkpoint, 2 rounds:
#      requests/s and MB/s from the server's request log, and the error count (goal: 0);
#   2. one 200 MB pull timed against curl downloading the same blob from the same server, 5 times
#      each, alternating (goal: srthub ≥ 0.9× curl's speed; srthub also verifies sha256 and fsyncs).
#      The pull goes into an existing empty home; creating that home is not timed.
# Prints a table; writes bench/results/serve_load.json.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
swift build -c release --product srthub 2>&1 | grep -E "error|warning: unre" || true
bin="$(swift build -c release --show-bin-path)/srthub"
work="$(mktemp -d /tmp/srthub-serve-load.XXXXXX)"
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

make_checkpoint() {  # folder megabytes
  mkdir -p "$1"
  printf '{"format": "srthub.checkpoint.v1", "dataset": "bench", "method": "pretrain", "created": "2026-11-22T00:00:00Z"}' > "$1/config.json"
  head -c "$(($2 * 1000000))" /dev/urandom > "$1/model.safetensors"
}
make_checkpoint "$work/small" 5
make_checkpoint "$work/large" 200
"$bin" add "$work/small" --tag bench/small:v1 --home "$work/server" >/dev/null
"$bin" add "$work/large" --tag bench/large:v1 --home "$work/server" >/dev/null

"$bin" serve --addr 127.0.0.1:0 --home "$work/server" --json > "$work/serve.out" 2> "$work/requests.log" &
server=$!
for _ in $(seq 100); do [[ -s "$work/serve.out" ]] && break; sleep 0.05; done
url="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/serve.out")"
host="${url#http://}"

# 1. Concurrent pulls.
: > "$work/requests.log"
start=$(date +%s.%N)
seq 64 | xargs -P 32 -I{} "$bin" pull "$host/bench/small:v1" --home "$work/client-{}" --quiet > "$work/pulls.out" 2> "$work/pulls.err" || true
end=$(date +%s.%N)
sleep 0.2
pulls_ok=$(grep -c '^pulled' "$work/pulls.out" || true)

# 2. One 200 MB pull against curl, alternating, 5 times each (this VM's disk and memory are noisy).
blob="$("$bin" show bench/large:v1 --home "$work/server" --json | python3 -c 'import json,sys; print([l["digest"] for l in json.load(sys.stdin)["layers"] if l["annotations"]["org.opencontainers.image.title"]=="model.safetensors"][0])')"
: > "$work/times"
# Also curl doing what a pull must do besides downloading: check the sha256 and make the file durable
# (openssl's SHA-256 uses the CPU's SHA extensions, as srthub's does; sync --data is fdatasync).
for i in 1 2 3 4 5; do
  t0=$(date +%s.%N); curl -s -o "$work/curl.bin" "$url/v2/bench/large/blobs/$blob"; t1=$(date +%s.%N)
  rm -f "$work/curl.bin"
  t4=$(date +%s.%N); curl -s -o "$work/curl.bin" "$url/v2/bench/large/blobs/$blob"
  openssl dgst -sha256 "$work/curl.bin" >/dev/null; sync --data "$work/curl.bin"; t5=$(date +%s.%N)
  # Each transfer starts from the same state: the file of the one before is gone.
  rm -f "$work/curl.bin"
  # Into an existing, empty home (as a user pulls into theirs): creating the registry is not timed.
  rm -rf "$work/big-$i"; "$bin" list --home "$work/big-$i" >/dev/null
  t2=$(date +%s.%N); "$bin" pull "$host/bench/large:v1" --home "$work/big-$i" --quiet >/dev/null; t3=$(date +%s.%N)
  echo "$t0 $t1 $t2 $t3 $t4 $t5" >> "$work/times"
  rm -rf "$work/big-$i"
done

python3 - "$work" "$start" "$end" "$pulls_ok" <<'PY'
import json, os, statistics, sys
work, start, end, pulls_ok = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
lines = [l.split() for l in open(os.path.join(work, "requests.log")) if l.startswith(("GET", "HEAD", "PUT", "POST", "PATCH"))]
# Log line: METHOD PATH STATUS BYTES MS ms; only the concurrent phase is before the 200 MB pulls.
load = [l for l in lines if "/bench/small/" in l[1]]
errors = sum(1 for l in load if int(l[2]) >= 400)
bytes_ = sum(int(l[3]) for l in load if l[3].isdigit() and l[0] == "GET")
seconds = end - start
curl, ours, verified = [], [], []
for row in open(os.path.join(work, "times")):
    t0, t1, t2, t3, t4, t5 = map(float, row.split())
    curl.append(t1 - t0); ours.append(t3 - t2); verified.append(t5 - t4)
result = {
    "concurrent_pulls": 64, "concurrency": 32, "pulls_ok": pulls_ok, "requests": len(load), "errors": errors,
    "seconds": seconds, "requests_per_second": len(load) / seconds, "megabytes_per_second": bytes_ / 1e6 / seconds,
    "large_pull_megabytes": 200, "curl_seconds": curl, "srthub_seconds": ours,
    "curl_median": statistics.median(curl), "srthub_median": statistics.median(ours),
    "speed_vs_curl": statistics.median(curl) / statistics.median(ours),
    "curl_verify_sync_seconds": verified, "curl_verify_sync_median": statistics.median(verified),
    "speed_vs_curl_verify_sync": statistics.median(verified) / statistics.median(ours),
}
os.makedirs("bench/results", exist_ok=True)
json.dump(result, open("bench/results/serve_load.json", "w"), indent=2, sort_keys=True)
print("serve_load: srthub serve on loopback, release build")
print(f"  {pulls_ok}/64 pulls of a 5 MB checkpoint, 32 at a time: {len(load)} requests in {seconds:.2f} s = "
      f"{len(load)/seconds:.0f} requests/s, {bytes_/1e6/seconds:.0f} MB/s, {errors} errors (goal 0)")
print(f"  200 MB: curl {statistics.median(curl):.3f} s, srthub pull {statistics.median(ours):.3f} s (median of 5) "
      f"→ srthub at {statistics.median(curl)/statistics.median(ours):.2f}× curl's speed (goal ≥ 0.9×)")
print(f"  200 MB with the same guarantees: curl + sha256 + fdatasync {statistics.median(verified):.3f} s "
      f"→ srthub at {statistics.median(verified)/statistics.median(ours):.2f}× its speed")
PY
