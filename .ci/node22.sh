#!/usr/bin/env bash
# Runs the compiled unit tests on Node 22 from the npm registry's node@22 package (no other download).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.ci/node22
if [ ! -x "$dir/node_modules/.bin/node" ]; then
  npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock node@22 >/dev/null
fi
node22="$dir/node_modules/.bin/node"
echo "node $($node22 --version)"
# Without files node --test would search the tree itself and run the TypeScript sources and the
# integration tests too: give it exactly the compiled unit tests, or none.
mapfile -t tests < <(find dist/test/unit -name '*.test.js' 2>/dev/null | sort)
if [ "${#tests[@]}" -eq 0 ]; then
  echo "no compiled unit tests under dist/test/unit"
  exit 0
fi
"$node22" --test "${tests[@]}"
