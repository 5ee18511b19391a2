#!/usr/bin/env bash
# Installs everything the project needs: Node 22 (into .tools/ unless the machine already has it)
# and the npm dependencies, exactly as locked.
set -euo pipefail
source "$(dirname "$0")/node-env.sh"
cd "$REPO_ROOT"
if ! node --version 2>/dev/null | grep -q "^v$NODE_MAJOR\."; then
  echo "== installing Node $NODE_MAJOR into .tools/node$NODE_MAJOR (this machine has $(node --version 2>/dev/null || echo 'no node'))"
  npm install --prefix ".tools/node$NODE_MAJOR" --no-audit --no-fund --loglevel=error "node@$NODE_MAJOR" >/dev/null
  export PATH="$LOCAL_NODE:$PATH"
fi
echo "== node $(node --version); npm ci"
npm ci --no-audit --no-fund --loglevel=error
