#!/usr/bin/env bash
# Installs the Debian packages the test suite's real daemons need, when any is missing: OpenSSH (client and
# sftp-server, for the workspace capability), bubblewrap (workspace isolation), Chromium (browser), Xvfb +
# x11vnc + xdotool + x11 utils (screen). Needs root and apt (the project's machines have both); elsewhere it
# says what to install and continues, and the tests that need a missing daemon skip with a printed reason.
set -euo pipefail

declare -A WANT=(
  [ssh]=openssh-client [/usr/lib/openssh/sftp-server]=openssh-sftp-server [bwrap]=bubblewrap
  [chromium]=chromium [Xvfb]=xvfb [x11vnc]=x11vnc [xdotool]=xdotool [xev]=x11-utils
  [xsetroot]=x11-xserver-utils
  [/usr/lib/postgresql/15/bin/initdb]=postgresql-15 [/usr/bin/docker-registry]=docker-registry
)
missing=()
for binary in "${!WANT[@]}"; do
  if [[ $binary == /* ]]; then [[ -e $binary ]] || missing+=("${WANT[$binary]}")
  else command -v "$binary" >/dev/null 2>&1 || missing+=("${WANT[$binary]}"); fi
done
(( ${#missing[@]} == 0 )) && exit 0
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${missing[*]}; install them (Debian package names) for the capability tests" >&2
  exit 0
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
