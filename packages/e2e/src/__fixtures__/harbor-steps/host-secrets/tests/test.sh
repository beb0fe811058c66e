#!/bin/sh
# The environment of each exec (oracle, verifier) and of the container's first process, printed for the test.
echo "--- solve.sh env"; cat /app/solve-env.txt
echo "--- test.sh env"; env
echo "--- pid 1 env"; tr '\0' '\n' < /proc/1/environ; echo
echo 1 > /logs/verifier/reward.txt
