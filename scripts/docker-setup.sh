#!/usr/bin/env bash
# Brings up a Docker engine and the offline base images hud-ts's Docker tests use. Idempotent and quiet on
# success (one timing line per step it had to do); scripts/setup.sh --test runs it, so CI gets a real engine.
#
#   1. installs docker.io and debootstrap with apt when missing;
#   2. starts dockerd in the background when `docker info` fails, and waits for it (≤ 60 s);
#   3. builds the base image hud-test/bookworm-node:24 unless it exists: a debootstrap --variant=minbase
#      bookworm root file system plus this machine's Node 24 (bin/node) and npm in /usr/local, imported with
#      `docker import`. It is also tagged node:24-slim when no image has that tag, so Dockerfiles with the
#      public default (`ARG BASE=node:24-slim`) build offline here, and ubuntu:24.04 / ubuntu:22.04 (the
#      Harbor example tasks' bases) likewise.
#
# No registry is reachable on the project's machines (`docker pull` fails), hence the offline base. Only the
# Debian mirror and the npm registry are; debootstrap uses the mirror this machine's apt sources name
# (scripts/debian-mirror.sh), so the repository names none.
#
# Environment: HUD_NODE_PREFIX (default ~/.local/node24: where setup.sh installs Node 24), HUD_DEBIAN_MIRROR
# (default: the machine's apt sources, see scripts/debian-mirror.sh), HUD_DOCKER_BASE (default hud-test/bookworm-node:24),
# HUD_DOCKERD_LOG (default /var/log/dockerd.log).
set -euo pipefail

BASE_TAG="${HUD_DOCKER_BASE:-hud-test/bookworm-node:24}"
NODE_PREFIX="${HUD_NODE_PREFIX:-$HOME/.local/node24}"
DOCKERD_LOG="${HUD_DOCKERD_LOG:-/var/log/dockerd.log}"

SUDO=""
if [[ $EUID -ne 0 ]]; then SUDO="sudo"; fi
say() { echo "docker-setup: $*" >&2; }
fail() { say "error: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
total_start=$(now)

# 1. Packages.
if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
  step=$(now)
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker.io debootstrap >/dev/null
  say "installed docker.io and debootstrap ($(since "$step"))"
fi

# 2. Engine.
if ! docker info >/dev/null 2>&1; then
  step=$(now)
  # setsid: dockerd outlives this script and the CI step's process group.
  $SUDO setsid nohup dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
  for _ in $(seq 600); do
    docker info >/dev/null 2>&1 && break
    sleep 0.1
  done
  docker info >/dev/null 2>&1 || {
    tail -n 20 "$DOCKERD_LOG" >&2 || true
    fail "dockerd did not come up within 60 s (log: $DOCKERD_LOG)"
  }
  say "started dockerd ($(since "$step"); log: $DOCKERD_LOG)"
fi

# 3. Base image.
if ! docker image inspect "$BASE_TAG" >/dev/null 2>&1; then
  step=$(now)
  node_bin="$NODE_PREFIX/bin/node"
  [[ -x "$node_bin" ]] || node_bin="$(command -v node || true)"
  [[ -n "$node_bin" ]] || fail "no node binary (run scripts/setup.sh first)"
  node_bin="$(readlink -f "$node_bin")"
  major="$("$node_bin" -p 'process.versions.node.split(".")[0]')"
  (( major >= 22 )) || fail "$node_bin is Node $major; the base image needs Node ≥ 22 (run scripts/setup.sh)"
  npm_dir=""
  for candidate in "$NODE_PREFIX/lib/node_modules/npm" "$(dirname "$(readlink -f "$(command -v npm)")")/.."; do
    if [[ -f "$candidate/bin/npm-cli.js" ]]; then npm_dir="$(readlink -f "$candidate")"; break; fi
  done
  [[ -n "$npm_dir" ]] || fail "npm not found (looked in $NODE_PREFIX/lib/node_modules and beside the npm on PATH)"

  work="$(mktemp -d)"
  trap '$SUDO rm -rf "$work"' EXIT
  root="$work/rootfs"
  MIRROR="$(bash "$(dirname "$0")/debian-mirror.sh")" || fail "no Debian mirror for debootstrap (set HUD_DEBIAN_MIRROR)"
  if ! $SUDO debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1; then
    tail -n 20 "$work/debootstrap.log" >&2
    fail "debootstrap bookworm from $MIRROR failed"
  fi
  $SUDO install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
  $SUDO mkdir -p "$root/usr/local/lib/node_modules"
  $SUDO cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  $SUDO ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  $SUDO ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # What node:24-slim leaves out too: package caches and lists, docs.
  $SUDO rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/*
  $SUDO tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' \
    --message "hud-ts offline base: debootstrap minbase bookworm + Node $("$node_bin" --version)" \
    - "$BASE_TAG" >/dev/null
  $SUDO rm -rf "$work"
  trap - EXIT
  say "built $BASE_TAG: bookworm + Node $("$node_bin" --version) ($(since "$step"))"
fi
# A real node:24-slim (pulled where a registry is reachable) is never replaced.
if ! docker image inspect node:24-slim >/dev/null 2>&1; then
  docker tag "$BASE_TAG" node:24-slim
  say "tagged $BASE_TAG as node:24-slim (local stand-in for the public image)"
fi

# The Harbor example tasks (../shared/harbor-examples) build FROM ubuntu:24.04 and ubuntu:22.04: the same
# offline base stands in for them when no image has those tags (they need only bash, coreutils, useradd).
for tag in ubuntu:24.04 ubuntu:22.04; do
  if ! docker image inspect "$tag" >/dev/null 2>&1; then
    docker tag "$BASE_TAG" "$tag"
    say "tagged $BASE_TAG as $tag (local stand-in for the public image, for the Harbor tasks)"
  fi
done

docker run --rm --network none "$BASE_TAG" node -e 'process.exit(0)' \
  || fail "$BASE_TAG does not run node"
say "docker ready: engine $(docker version --format '{{.Server.Version}}'), base $BASE_TAG ($(since "$total_start"))"
