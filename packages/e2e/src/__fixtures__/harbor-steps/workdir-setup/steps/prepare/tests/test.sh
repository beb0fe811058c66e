#!/bin/sh
flag() { if "$@"; then echo 1; else echo 0; fi; }
printf '{"seeded": %s, "setup_ran": %s, "setup_removed": %s}' \
  "$(flag test -f /app/seed.txt)" "$(flag test "$(cat /app/shout.txt 2>/dev/null)" = HELLO)" \
  "$(flag test ! -e /app/setup.sh)" > /logs/verifier/reward.json
