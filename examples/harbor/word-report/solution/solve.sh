#!/bin/sh
awk '{ print NF }' /data/poem.txt > /data/report.txt
