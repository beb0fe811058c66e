#!/bin/sh
# Runs in the working directory, beside the step's other workdir/ files.
set -e
tr a-z A-Z < seed.txt > shout.txt
