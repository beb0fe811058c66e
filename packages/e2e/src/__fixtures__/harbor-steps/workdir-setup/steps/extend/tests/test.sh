#!/bin/sh
flag() { if "$@"; then echo 1; else echo 0; fi; }
printf '{"setup_ran": %s, "setup_removed": %s}' \
  "$(flag test "$(cat /app/twice.txt 2>/dev/null)" = "$(printf 'HELLO\nHELLO')")" \
  "$(flag test ! -e /app/setup.sh)" > /logs/verifier/reward.json
