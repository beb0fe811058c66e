#!/bin/sh
# Shared: the agent's own container (its scratch file is here, the verifier image's marker is not).
if [ "$(cat /app/result.txt)" = draft ] && [ -e /app/agent-only.txt ] && [ ! -e /verifier-image-marker ]; then
  echo 1
else
  echo 0
fi > /logs/verifier/reward.txt
