#!/usr/bin/env bash
# Build the canvas bundle committed at jupyter_designer/widgets/static/ (canvas.js, canvas.css).
# Needs node >= 18 and the npm registry; `pip install` of the package needs neither.
set -euo pipefail
cd "$(dirname "$0")"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi
node build.mjs "$@"
ls -l ../jupyter_designer/widgets/static/
