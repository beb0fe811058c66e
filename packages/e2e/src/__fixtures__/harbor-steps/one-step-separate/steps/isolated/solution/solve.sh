#!/bin/sh
echo final > /app/result.txt
