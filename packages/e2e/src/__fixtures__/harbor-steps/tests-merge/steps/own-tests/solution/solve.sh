#!/bin/sh
touch /app/a.txt
