#!/bin/sh
# pin.sh CPU command…: runs the command on one CPU with taskset when there is one (Linux), else as is.
cpu=$1
shift
if command -v taskset >/dev/null 2>&1 && taskset -c "$cpu" true 2>/dev/null; then
  exec taskset -c "$cpu" "$@"
fi
echo "pin.sh: taskset unavailable, running unpinned" >&2
exec "$@"
