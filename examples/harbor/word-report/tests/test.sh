#!/bin/bash
# correctness: the counts match; format: one integer per line, as many lines as the poem.
report=/data/report.txt
correctness=0
format=0
if [ -f "$report" ]; then
  [ "$(cat "$report")" = "$(printf '4\n2\n4')" ] && correctness=1
  lines=$(wc -l < /data/poem.txt)
  if [ "$(wc -l < "$report")" -eq "$lines" ] && ! grep -qv '^[0-9]\+$' "$report"; then format=1; fi
fi
echo "correctness=$correctness format=$format"
printf '{"correctness": %s, "format": %s}\n' "$correctness" "$format" > /logs/verifier/reward.json
