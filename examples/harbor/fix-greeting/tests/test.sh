#!/bin/bash
# Two checks: with an argument, and from $GREETING_NAME (set by [environment.env]).
mkdir -p /logs/verifier
pass=0
[ "$(/app/greet.sh Ada)" = "Hello, Ada!" ] && pass=$((pass + 1))
[ "$(/app/greet.sh)" = "Hello, world!" ] && pass=$((pass + 1))
echo "passed $pass of 2"
if [ "$pass" -eq 2 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
