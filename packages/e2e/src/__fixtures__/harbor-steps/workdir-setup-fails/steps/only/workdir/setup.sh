#!/bin/sh
echo "cannot prepare the step" >&2
exit 3
