#!/bin/sh
# Sources the task's helper; origin.txt is the step's, which wins over the task's file of that name.
. /tests/grading-lib.sh
award test "$(cat /tests/origin.txt)" = step -a -e /tests/step-only.txt -a -e /app/a.txt
