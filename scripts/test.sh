#!/usr/bin/env bash
# Runs the whole test suite with Node 22. Extra arguments go to vitest (e.g. a file filter).
set -euo pipefail
source "$(dirname "$0")/node-env.sh"
cd "$REPO_ROOT"
exec npm test -- "$@"
