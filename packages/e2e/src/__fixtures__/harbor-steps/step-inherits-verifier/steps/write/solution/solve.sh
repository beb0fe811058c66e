#!/bin/sh
echo first > /app/answer.txt
