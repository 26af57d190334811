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
# shellcheck disable=SC2046
"$node22" --test $(find dist/test/unit -name '*.test.js' | sort)
