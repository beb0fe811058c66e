#!/bin/sh
echo second > /app/answer.txt
