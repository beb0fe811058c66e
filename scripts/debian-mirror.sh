#!/usr/bin/env bash
# Prints the Debian mirror this machine's apt already uses, for debootstrap (scripts/docker-setup.sh), so the
# repository names no mirror of its own. Order: $HUD_DEBIAN_MIRROR; the first `URIs:` of a deb822 stanza in
# $APT_SOURCES_DIR/*.sources (default /etc/apt/sources.list.d) whose Suites name a release without a
# '-security' suffix; else the first `deb <uri> <suite>` line of $APT_SOURCES_LIST (default
# /etc/apt/sources.list) with such a suite. Exits 1 with a message on stderr when none is found.
set -euo pipefail

if [[ -n "${HUD_DEBIAN_MIRROR:-}" ]]; then echo "$HUD_DEBIAN_MIRROR"; exit 0; fi
sources_dir="${APT_SOURCES_DIR:-/etc/apt/sources.list.d}"
sources_list="${APT_SOURCES_LIST:-/etc/apt/sources.list}"

# deb822: stanzas are separated by blank lines; '#' lines are comments.
for file in "$sources_dir"/*.sources; do
  [[ -f "$file" ]] || continue
  mirror="$(awk '
    function flush() { if (types ~ /(^| )deb( |$)/ && uri != "" && suites != "" && suites !~ /-security/) { print uri; found = 1; exit } types = ""; uri = ""; suites = "" }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { flush(); next }
    tolower($1) == "types:" { types = ""; for (i = 2; i <= NF; i++) types = types " " $i; sub(/^ /, "", types) }
    tolower($1) == "uris:" { uri = $2 }
    tolower($1) == "suites:" { suites = ""; for (i = 2; i <= NF; i++) suites = suites " " $i }
    END { if (!found) flush() }
  ' "$file")"
  if [[ -n "$mirror" ]]; then echo "$mirror"; exit 0; fi
done

if [[ -f "$sources_list" ]]; then
  mirror="$(awk '
    /^[ \t]*#/ { next }
    $1 == "deb" {
      i = 2
      if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      if ($(i + 1) !~ /-security/) { print $i; exit }
    }
  ' "$sources_list")"
  if [[ -n "$mirror" ]]; then echo "$mirror"; exit 0; fi
fi

echo "debian-mirror: no Debian mirror found in $sources_dir/*.sources or $sources_list; set HUD_DEBIAN_MIRROR" >&2
exit 1
