#!/bin/sh
set -e
cat shout.txt shout.txt > twice.txt
