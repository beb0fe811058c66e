#!/bin/sh
# Separate: the verifier image, with only the step's artifact from the agent's container.
if [ -e /verifier-image-marker ] && [ "$(cat /app/result.txt)" = final ] && [ ! -e /app/agent-only.txt ]; then
  echo 1
else
  echo 0
fi > /logs/verifier/reward.txt
