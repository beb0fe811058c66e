#!/bin/sh
touch /app/b.txt
