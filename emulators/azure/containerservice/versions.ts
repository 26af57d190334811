// The Kubernetes versions the emulated region offers, as AKS lists them: the 2023+ shape
// (`locations/{loc}/kubernetesVersions`, what current az and SDKs read) and the older orchestrators
// list (`locations/{loc}/orchestrators?resource-type=managedClusters`, what az 2.45's `aks get-versions`
// reads). A cluster created without a version gets the region's default.

interface RegionVersion {
  /** The minor version, as `kubernetesVersion` names it. */
  version: string;
  /** Its newest patch, what a cluster of that minor version runs. */
  patch: string;
  isDefault?: boolean;
  isPreview?: boolean;
}

export const REGION_VERSIONS: readonly RegionVersion[] = [
  { version: "1.31", patch: "1.31.11" },
  { version: "1.32", patch: "1.32.7" },
  { version: "1.33", patch: "1.33.3", isDefault: true },
  { version: "1.34", patch: "1.34.0", isPreview: true },
];

export const DEFAULT_VERSION = REGION_VERSIONS.find((v) => v.isDefault)!.version;

/** The version a cluster asked for, or the region's default for an absent or empty one (az sends ""). */
export function requestedVersion(version: string | undefined): string {
  return version ? version : DEFAULT_VERSION;
}

/** The full patch version a cluster of `version` runs (a patch stays as given). */
export function currentVersion(version: string): string {
  if (version.split(".").length > 2) return version;
  return REGION_VERSIONS.find((v) => v.version === version)?.patch ?? `${version}.0`;
}

/** GET …/locations/{loc}/kubernetesVersions (KubernetesVersionListResult). */
export function kubernetesVersions() {
  return {
    values: REGION_VERSIONS.map((v, i) => {
      const next = REGION_VERSIONS[i + 1];
      return {
        version: v.version,
        capabilities: { supportPlan: ["KubernetesOfficial"] },
        ...(v.isDefault ? { isDefault: true } : {}),
        isPreview: v.isPreview ?? false,
        patchVersions: { [v.patch]: { upgrades: next ? [next.patch] : [] } },
      };
    }),
  };
}

/** GET …/locations/{loc}/orchestrators?resource-type=managedClusters (OrchestratorVersionProfileListResult). */
export function orchestrators(sub: string, location: string) {
  return {
    id: `/subscriptions/${sub}/providers/Microsoft.ContainerService/locations/${location}/orchestrators`,
    name: "default",
    type: "Microsoft.ContainerService/locations/orchestrators",
    properties: {
      orchestrators: REGION_VERSIONS.map((v, i) => {
        const next = REGION_VERSIONS[i + 1];
        return {
          orchestratorType: "Kubernetes",
          orchestratorVersion: v.patch,
          ...(v.isDefault ? { default: true } : {}),
          ...(v.isPreview ? { isPreview: true } : {}),
          ...(next
            ? { upgrades: [{ orchestratorType: "Kubernetes", orchestratorVersion: next.patch }] }
            : {}),
        };
      }),
    },
  };
}
