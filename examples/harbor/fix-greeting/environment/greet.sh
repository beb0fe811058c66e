#!/bin/bash
# Prints a greeting for $1, or for $GREETING_NAME without arguments.
name="${2:-$GREETING_NAME}"
echo "Hello, $name"
