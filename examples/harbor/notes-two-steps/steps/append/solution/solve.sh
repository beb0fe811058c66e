#!/bin/sh
echo 'call mom' >> /notes/todo.txt
