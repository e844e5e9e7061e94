# Sourced by the benchmarks that keep their runs between calls (a second call only re-reports).
# `kept_run DIR`: true where DIR holds a finished run. `srthub train` writes its best epoch's
# checkpoint as it goes and removes resume/ only when the run has ended (its epochs, its patience
# or its time budget), so a folder with resume/ is a run stopped mid-way: it is removed here and
# the caller trains it again (`srthub train --out` refuses a folder that holds a checkpoint).
kept_run() {
  if [[ -d "$1/resume" ]]; then echo "==> $1: stopped in an earlier call; training it again" >&2; rm -rf "${1:?}"; fi
  [[ -f "$1/config.json" ]]
}
