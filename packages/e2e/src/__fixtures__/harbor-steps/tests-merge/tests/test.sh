#!/bin/sh
# The task's own test, for a step without tests/: the step files of an earlier step must be gone.
. /tests/grading-lib.sh
award test "$(cat /tests/origin.txt)" = task -a ! -e /tests/step-only.txt -a -e /app/b.txt
