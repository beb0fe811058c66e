# Shared by every step's test.sh (sourced, not run).
award() { if "$@"; then echo 1; else echo 0; fi > /logs/verifier/reward.txt; }
