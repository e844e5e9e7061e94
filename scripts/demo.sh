#!/usr/bin/env bash
# The main job, end to end on the embedded defaults, on the MovieLens-100k demo data: the used-by
# loop between a publisher and a user, through a hub served by `srthub serve` on loopback.
#   0. installs what it needs (scripts/setup.sh) and builds srthub (release);
#   1. splits MovieLens-100k into two catalogs with no movie in common (action-like genres and the
#      rest) and pretrains a small SRT on the first (publisher's home);
#   2. starts `srthub serve` (the hub, its own home), creates a push token, and the publisher pushes;
#   3. the user pulls the model into a fresh home, fine-tunes it onto the other catalog (movies it
#      never saw), evaluates it against baselines (popularity, ID-based SASRec, the same
#      architecture from scratch) and pushes the evaluated checkpoint back;
#   4. the publisher pulls it: `srthub log` shows the lineage across both homes; recommendations.
# Homes live in .cache/demo (removed at the start, so the demo can be run again). About 5 minutes
# after the first build on this 2-core machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/setup.sh

say "building srthub (release; the first build takes a few minutes)"
swift build -c release --product srthub 2>&1 | grep -Ev "^\[[0-9]+/[0-9]+\]|unhandled|^warning: 'swift-distributed-tracing'" || true
srthub="$(swift build -c release --show-bin-path)/srthub"
demo=.cache/demo
rm -rf "$demo"
mkdir -p "$demo"
publisher="$demo/publisher" user="$demo/user" hub="$demo/hub"
threads="${DEMO_THREADS:-2}"
run() { local home=$1; shift; printf '\n[%s] $ srthub %s\n' "$(basename "$home")" "$*"; "$srthub" "$@" --home "$home"; }
plain() { printf '\n$ srthub %s\n' "$*"; "$srthub" "$@"; }

say "1. two catalogs with no movie in common"
python3 scripts/split_by_genre.py .cache/ml-100k "$demo/data"
plain data inspect "$demo/data/ml-action"
plain train --data "$demo/data/ml-action" --preset srt-64x2 --epochs "${DEMO_EPOCHS:-10}" --threads "$threads" --out "$demo/runs/srt-action"
run "$publisher" add "$demo/runs/srt-action" --tag srt-ml-action:v1

say "2. the hub: srthub serve on 127.0.0.1 (pull anonymous, push with a token)"
"$srthub" serve --addr 127.0.0.1:0 --home "$hub" --json > "$demo/hub.out" 2> "$demo/hub.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s "$demo/hub.out" ]] && break; sleep 0.1; done
url="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$demo/hub.out")"
echo "hub at $url (request log: $demo/hub.log)"
token="$("$srthub" token create --name demo --home "$hub" 2>/dev/null)"
for home in "$publisher" "$user"; do
  run "$home" remote add hub "$url"
  printf '%s\n' "$token" | run "$home" login hub --token-stdin
done
run "$publisher" push srt-ml-action:v1 hub/demo/srt-ml-action:v1

say "3. the user: pull, fine-tune onto unseen movies, evaluate against baselines, push back"
run "$user" pull hub/demo/srt-ml-action:v1 --tag srt-base:v1
run "$user" finetune srt-base:v1 --data "$demo/data/ml-drama" --final-epochs "${DEMO_FINAL_EPOCHS:-16}" --threads "$threads" \
  --out "$demo/runs/srt-drama"
run "$user" eval "$demo/runs/srt-drama" --data "$demo/data/ml-drama" --baselines pop,sasrec,scratch --threads "$threads"
run "$user" add "$demo/runs/srt-drama" --tag srt-ml-drama:v1
run "$user" push srt-ml-drama:v1 hub/demo/srt-ml-drama:v1

say "4. the publisher pulls the fine-tune: its lineage and recommendations"
run "$publisher" pull hub/demo/srt-ml-drama:v1 --tag srt-ml-drama:v1
run "$publisher" log srt-ml-drama:v1
run "$publisher" show srt-ml-drama:v1 --card
run "$publisher" checkout srt-ml-drama:v1 "$demo/checkout/srt-ml-drama"
# Toy Story, Babe, Mr. Holland's Opus → what next, among movies the pretrained model never saw?
plain recommend "$demo/checkout/srt-ml-drama" --history 1,8,15 -k 5
run "$publisher" verify
run "$hub" list
say "done: publisher, user and hub homes are in $demo"
