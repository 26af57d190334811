// What `npm start` prints once the stack is up (emulators/start.ts): where everything is, and
// commands that work as printed for the ports in use. The CLI's default API is the default host
// port's (shared/api/local.ts), so on any other port the CLI commands carry --api.
import { LOCAL_API_URL } from "../shared/api/local.js";
import { devTokenBody } from "../shared/auth/dev-token.js";
import { LOCAL_API_AUDIENCE, type LocalStack } from "./stack.js";

export interface BannerOptions {
  stateDir: string;
  timeScale: number;
  /** Prefix of repository paths in the commands: "" when started from the repository root. */
  repoPrefix: string;
}

export type BannerStack = Pick<LocalStack, "api" | "caPath" | "portal"> & {
  host: Pick<LocalStack["host"], "url">;
  azure: Pick<LocalStack["azure"], "url" | "subscriptionId" | "tenantId" | "tableUrl">;
  kube: Pick<LocalStack["kube"], "url">;
};

export function banner(stack: BannerStack, options: BannerOptions): string {
  const here = options.repoPrefix;
  const cli = `node ${here}dist/cli/main.js`;
  const apiFlag = stack.api === LOCAL_API_URL ? "" : ` --api ${stack.api}`;
  const tokenBody = JSON.stringify(devTokenBody({ audience: LOCAL_API_AUDIENCE, teams: ["platform"] }));
  return [
    "",
    "aks-vending local stack is up",
    `  Portal              ${stack.portal}   (sign in on the Azure emulator's page; accept its certificate once)`,
    `  API                 ${stack.api}   (OpenAPI: ${stack.api}/openapi.json, reference: ${stack.api}/docs/, health: ${stack.api}/health)`,
    `  Functions host      ${stack.host.url}/   (lists the app's HTTP routes)`,
    `  Durable webhooks    ${stack.host.url}/runtime/webhooks/durabletask`,
    `  Azure emulator      ${stack.azure.url}   (subscription ${stack.azure.subscriptionId}, tenant ${stack.azure.tenantId})`,
    `  Table service       ${stack.azure.tableUrl}   (Azurite; Azure DevOps callbacks)`,
    `  Kubernetes emulator ${stack.kube.url}`,
    `  CA certificate      ${stack.caPath}   (curl --cacert, NODE_EXTRA_CA_CERTS)`,
    `  State               ${options.stateDir}   (time scale ${options.timeScale}; locked by this process; npm start -- --reset discards it)`,
    "",
    "Try it (the API wants a bearer token; the Azure emulator signs dev tokens for the local issuer):",
    `  export NODE_EXTRA_CA_CERTS=${stack.caPath}   # the CLI trusts the local CA`,
    `  ${cli} login --team platform${apiFlag}   # later commands use this sign-in and its API`,
    `  ${cli} create -f ${here}examples/seed-tutorial.json --wait`,
    "or with curl:",
    `  export AKSV_TOKEN=$(${cli} dev-token --team platform${apiFlag})`,
    `    or: export AKSV_TOKEN=$(curl -sS --cacert ${stack.caPath} -X POST ${stack.azure.url}/_emulator/tokens -H 'content-type: application/json' -d '${tokenBody}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
    `  curl -sS -X POST ${stack.api}/clusters -H "Authorization: Bearer $AKSV_TOKEN" -H 'content-type: application/json' --data @${here}examples/seed-tutorial.json`,
    `  curl -sS ${stack.api}/clusters/tipsAndTricksAKSCluster -H "Authorization: Bearer $AKSV_TOKEN"`,
    "",
    "Azure CLI (az trusts the local CA through REQUESTS_CA_BUNDLE; any client id and secret sign in):",
    `  export REQUESTS_CA_BUNDLE=${stack.caPath}`,
    `  az cloud register -n Local --endpoint-resource-manager ${stack.azure.url}/ && az cloud set -n Local`,
    `  az login --service-principal -u local-app -p local-secret --tenant ${stack.azure.tenantId}`,
    `    or, as a managed identity: MSI_ENDPOINT=${stack.azure.url}/msi/token az login --identity`,
    "",
    "Ctrl-C stops everything.",
    "",
  ].join("\n");
}
