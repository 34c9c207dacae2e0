#!/usr/bin/env bash
# The main job of tend, for a new user: start a command in the background, see
# it listed, read its output, wait for its exit code, look at it afterwards.
# Run from anywhere after `pnpm build`; uses the daemon of TEND_HOME if set
# (e.g. TEND_HOME=$(mktemp -d /tmp/tend-XXXXXX) bash scripts/demo.sh), else yours.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tend() { node "$root/packages/cli/dist/bin.js" "$@"; }
if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

if [[ ! -f "$root/packages/cli/dist/bin.js" ]]; then
  echo "packages/cli/dist/bin.js is missing: run 'pnpm build' first" >&2
  exit 1
fi

echo "tend here is: node packages/cli/dist/bin.js${TEND_HOME:+ (with TEND_HOME=$TEND_HOME)}"

step "Start a background task (prints a line every half second, then exits 3)"
echo "\$ id=\$(tend run --name demo -- 'for i in 1 2 3 4; do echo \"step \$i\"; sleep 0.5; done; echo failing on purpose >&2; exit 3')"
id=$(tend run --name demo -- 'for i in 1 2 3 4; do echo "step $i"; sleep 0.5; done; echo failing on purpose >&2; exit 3')
echo "task id: $id (the daemon was started on demand if it was not running)"

step "List live tasks"
echo "\$ tend ps"
tend ps

step "Read its output so far"
echo "\$ tend logs $id"
tend logs "$id"

step "Wait for it to end; tend wait exits with the task's own exit code"
echo "\$ tend wait $id"
status=0
tend wait "$id" || status=$?
echo "exit status: $status"

step "The whole output, stderr included"
echo "\$ tend logs $id"
tend logs "$id"

step "List all tasks, ended ones included"
echo "\$ tend ps -a"
tend ps -a

step "Everything tend knows about the task"
echo "\$ tend inspect $id"
tend inspect "$id"

step "Done"
echo "The daemon is still running (tasks outlive the clients that started them)."
printf '  %-22s %s\n' \
  "tend daemon status" "shows it" \
  "tend rm $id" "removes the task and its log" \
  "tend daemon stop" "stops the daemon (live tasks keep running)"
