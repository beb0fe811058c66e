#!/bin/sh
# Each metric is one inherited setting; the answer crossed as the task's artifact.
flag() { if "$@"; then echo 1; else echo 0; fi; }
separate=$(flag test -e /verifier-image-marker)
environment=$(flag test "$VERIFIER_CONTAINER" = yes)
env=$(flag test "$VERIFIED_BY" = "the task's verifier env")
user=$(flag test "$(id -un)" = nobody)
answer=$(flag test -s /app/answer.txt)
printf '{"separate": %s, "environment": %s, "env": %s, "user": %s, "answer": %s}' \
  "$separate" "$environment" "$env" "$user" "$answer" > /logs/verifier/reward.json
