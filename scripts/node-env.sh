# Sourced by the other scripts: puts Node 22 on PATH, from .tools/ when the machine has another version.
NODE_MAJOR=22
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_NODE="$REPO_ROOT/.tools/node$NODE_MAJOR/node_modules/.bin"
if [ -x "$LOCAL_NODE/node" ]; then
  export PATH="$LOCAL_NODE:$PATH"
fi
