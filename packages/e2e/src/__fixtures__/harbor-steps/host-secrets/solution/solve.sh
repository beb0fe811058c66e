#!/bin/sh
env > /app/solve-env.txt
