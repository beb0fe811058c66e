#!/bin/bash
set -euo pipefail
sed -i 's/\${2:-/${1:-/; s/echo "Hello, \$name"/echo "Hello, $name!"/' /app/greet.sh
