#!/bin/sh
echo draft > /app/result.txt
echo scratch > /app/agent-only.txt
