#!/usr/bin/env bash
# npm run infra:check — restores the pinned Bicep compiler (scripts/bicep.sh), then builds every template
# under infra/ to ARM JSON (into .tools/bicep-out/, for a person to read) and lints each with warnings as errors
# (infra/bicepconfig.json sets the rules to "warning"; any diagnostic fails this script).
set -euo pipefail
cd "$(dirname "$0")/.."

bicep=$(bash scripts/bicep.sh path)
out=.tools/bicep-out
echo "bicep $("$bicep" --version | head -n1)"

# One compiler process per step (--pattern): each start of the compiler costs seconds.
rm -rf "$out"
mkdir -p "$out"
status=0
# Bicep prints diagnostics to stderr and exits 0 on warnings: any output at all fails the step.
if ! diagnostics=$("$bicep" build --pattern 'infra/**/*.bicep' --outdir "$out" 2>&1) || [ -n "$diagnostics" ]; then
  echo "$diagnostics" >&2
  echo "FAIL bicep build" >&2
  status=1
fi
if ! diagnostics=$("$bicep" lint --pattern 'infra/**/*.bicep' 2>&1) || [ -n "$diagnostics" ]; then
  echo "$diagnostics" >&2
  echo "FAIL bicep lint" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "infra:check failed: fix the diagnostics above (warnings count as errors)" >&2
  exit 1
fi
echo "ok: $(find infra -name '*.bicep' | wc -l) templates built to $out and linted, no diagnostics"
