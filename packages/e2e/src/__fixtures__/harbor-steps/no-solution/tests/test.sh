#!/bin/sh
if [ -z "$(ls -A /app)" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
