#!/usr/bin/env bash
# The pinned Bicep compiler, restored from NuGet (Azure.Bicep.CommandLine.linux-x64) into .tools/
# (git-ignored) with a throwaway restore project, which needs the .NET SDK (`dotnet`). Used by
# `npm run infra:check` and by the infra tests (test/integration/infra), so both compile with the same
# compiler.
#   bash scripts/bicep.sh path    restores the compiler if it is not there yet (progress on stderr) and
#                                 prints its path; exits 3 with the reason when dotnet is needed but missing
set -euo pipefail
cd "$(dirname "$0")/.."

BICEP_VERSION=0.49.2
PACKAGE=Azure.Bicep.CommandLine.linux-x64
tools=.tools
packages="$tools/nuget"
bicep="$PWD/$packages/$(echo "$PACKAGE" | tr '[:upper:]' '[:lower:]')/$BICEP_VERSION/tools/bicep"

restore() {
  if [ -x "$bicep" ]; then return; fi
  command -v dotnet >/dev/null || {
    echo "dotnet (the .NET SDK) not on PATH: it restores the Bicep compiler ($PACKAGE $BICEP_VERSION) from NuGet" >&2
    exit 3
  }
  echo "== restoring $PACKAGE $BICEP_VERSION into $packages" >&2
  local restore="$tools/bicep-restore"
  mkdir -p "$restore"
  local tfm
  tfm="net$(dotnet --version | cut -d. -f1).0"
  # PackageDownload fetches the package as is (no framework compatibility check, no assets).
  cat >"$restore/restore.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>$tfm</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="$PACKAGE" Version="[$BICEP_VERSION]" /></ItemGroup>
</Project>
XML
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
    dotnet restore "$restore/restore.csproj" --packages "$packages" --verbosity quiet >&2
  chmod +x "$bicep"
}

case "${1:-}" in
  path)
    restore
    echo "$bicep"
    ;;
  *)
    echo "usage: bash scripts/bicep.sh path" >&2
    exit 2
    ;;
esac
