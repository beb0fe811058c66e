#!/bin/sh
if [ "$(cat /notes/todo.txt 2>/dev/null)" = "$(printf 'buy milk\ncall mom')" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
