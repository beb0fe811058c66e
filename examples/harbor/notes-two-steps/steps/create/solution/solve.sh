#!/bin/sh
echo 'buy milk' > /notes/todo.txt
