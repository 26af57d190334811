#!/usr/bin/env bash
# npm run infra:check — restores the pinned Bicep compiler from NuGet (Azure.Bicep.CommandLine.linux-x64)
# into .tools/ (git-ignored) with a throwaway restore project, then builds every template under infra/
# to ARM JSON (into .tools/bicep-out/, read by test/integration/infra) and lints each with warnings as
# errors (infra/bicepconfig.json sets the rules to "warning"; any diagnostic fails this script).
set -euo pipefail
cd "$(dirname "$0")/.."

BICEP_VERSION=0.49.2
PACKAGE=Azure.Bicep.CommandLine.linux-x64
tools=.tools
packages="$tools/nuget"
bicep="$packages/$(echo "$PACKAGE" | tr '[:upper:]' '[:lower:]')/$BICEP_VERSION/tools/bicep"
out="$tools/bicep-out"

if [ ! -x "$bicep" ]; then
  command -v dotnet >/dev/null || {
    echo "infra:check needs the .NET SDK (dotnet) to restore $PACKAGE $BICEP_VERSION from NuGet" >&2
    exit 1
  }
  echo "== restoring $PACKAGE $BICEP_VERSION into $packages"
  restore="$tools/bicep-restore"
  mkdir -p "$restore"
  tfm="net$(dotnet --version | cut -d. -f1).0"
  # PackageDownload fetches the package as is (no framework compatibility check, no assets).
  cat >"$restore/restore.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>$tfm</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="$PACKAGE" Version="[$BICEP_VERSION]" /></ItemGroup>
</Project>
XML
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
    dotnet restore "$restore/restore.csproj" --packages "$packages" --verbosity quiet
  chmod +x "$bicep"
fi
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
