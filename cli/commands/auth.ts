// `aks-vending login | logout | dev-token`: signing in to the API. The API's openapi.json names the
// issuer and audience (cli/auth/discovery.ts). On the local stack (the issuer has a dev-token
// endpoint) login stores a dev token and how to renew it; otherwise it uses @azure/identity's
// DefaultAzureCredential and stores only the profile (each command asks the credential again).
import { Option, type Command } from "commander";
import { ROLES, type Role } from "../../shared/auth/caller.js";
import { discover, issuerMetadata, type IssuerMetadata } from "../auth/discovery.js";
import { loadProfile, profilePath, removeProfile, saveProfile, type DevTokenGrant } from "../auth/profile.js";
import { apiFor } from "../auth/session.js";
import { azureCredential, azureToken, describeToken, devToken, type AccessToken } from "../auth/tokens.js";
import { AKS_SERVER_APP_ID } from "../../shared/azure/names.js";
import { CliError } from "../errors.js";
import { parseDuration } from "../output.js";
import type { GlobalOptions } from "./clusters.js";
import { EXIT_INVALID } from "./spec.js";

interface DevTokenFlags {
  team?: string[];
  role: Role;
  user?: string;
  expiresIn?: number;
  issuer?: string;
  audience?: string;
}

function addIssuerOptions(cmd: Command): Command {
  return cmd
    .option("--issuer <url>", "the token issuer (default: the one the API's openapi.json names)")
    .option(
      "--audience <audience>",
      "the API's token audience (default: the one the API's openapi.json names)",
    );
}

function addDevTokenOptions(cmd: Command, scope: string): Command {
  return cmd
    .option(
      `--team <team>`,
      `${scope}team to be a member of (repeatable)`,
      (t: string, all: string[] = []) => [...all, t],
    )
    .addOption(new Option("--role <role>", `${scope}app role`).choices(ROLES).default("Clusters.Write"))
    .option("--user <name>", `${scope}who the token is for (default dev-<first team>)`)
    .addOption(
      new Option(
        "--expires-in <duration>",
        `${scope}lifetime of a token (e.g. 1h, 30m; default 1h)`,
      ).argParser(parseDuration),
    );
}

/**
 * A dev-token request from the flags (at least one team, unless the caller is an admin); without an
 * endpoint it only checks them, before anything is asked of the network.
 */
function grantFrom(endpoint: string, o: DevTokenFlags): DevTokenGrant {
  const teams = o.team ?? [];
  if (teams.length === 0 && o.role !== "Clusters.Admin")
    throw new CliError(
      "give --team T (repeatable), or --role Clusters.Admin for every team",
      EXIT_INVALID,
      "InvalidArgument",
    );
  const seconds = o.expiresIn === undefined ? undefined : Math.round(o.expiresIn / 1000);
  if (seconds !== undefined && seconds < 1)
    throw new CliError("--expires-in must be at least 1s", EXIT_INVALID, "InvalidArgument");
  return {
    endpoint,
    teams,
    role: o.role,
    ...(o.user ? { user: o.user } : {}),
    ...(seconds !== undefined ? { expiresInSeconds: seconds } : {}),
  };
}

/** The issuer's metadata when the API (or --issuer) names one. */
async function metadataOf(openIdConnectUrl: string | undefined): Promise<IssuerMetadata | undefined> {
  return openIdConnectUrl ? issuerMetadata(openIdConnectUrl) : undefined;
}

export function registerAuthCommands(program: Command): void {
  addDevTokenOptions(
    addIssuerOptions(
      program
        .command("login")
        .description(
          "Sign in to the API: a renewable dev token on the local stack, @azure/identity (DefaultAzureCredential) otherwise",
        ),
    ),
    "local stack: ",
  )
    .option(
      "--use-azure-identity",
      "use DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI, azd…) even on the local stack",
    )
    .action(async (o: DevTokenFlags & { useAzureIdentity?: boolean }, cmd: Command) => {
      const api = apiFor(cmd.optsWithGlobals<GlobalOptions>());
      const target = await discover(api, o);
      const meta = o.useAzureIdentity ? undefined : await metadataOf(target.openIdConnectUrl);
      const common = {
        api,
        audience: target.audience,
        ...(target.openIdConnectUrl ? { openIdConnectUrl: target.openIdConnectUrl } : {}),
      };
      const path = profilePath();
      if (meta?.devTokenEndpoint) {
        const grant = grantFrom(meta.devTokenEndpoint, o);
        const token = await devToken(grant, target.audience);
        saveProfile({ kind: "dev-token", ...common, grant, token }, path);
        const { who, roles } = describeToken(token.accessToken);
        process.stdout.write(
          `signed in to ${api} as ${who} (${roles.join(", ")}) with a dev token from the local issuer ${meta.issuer}, renewed when it expires\nprofile: ${path}\n`,
        );
        return;
      }
      if (o.team || o.user || o.expiresIn !== undefined)
        process.stderr.write(
          "warning: --team, --role, --user and --expires-in apply to the local stack only\n",
        );
      const token = await azureToken(await azureCredential(), target.audience);
      saveProfile({ kind: "azure-identity", ...common }, path);
      const { who, roles } = describeToken(token.accessToken);
      const appRoles = roles.filter((r) => (ROLES as readonly string[]).includes(r));
      process.stdout.write(
        `signed in to ${api} as ${who} through @azure/identity (token audience ${target.audience}); each command asks the credential for a token\nprofile: ${path}\n`,
      );
      if (appRoles.length === 0)
        process.stderr.write(
          `warning: the token carries no app role (${ROLES.join(", ")}): the API will refuse it (403) until one is assigned to this identity\n`,
        );
    });

  program
    .command("logout")
    .description("Forget the sign-in (removes the profile; an Azure CLI or azd sign-in is untouched)")
    .action(() => {
      const path = profilePath();
      process.stdout.write(
        removeProfile(path) ? `signed out (removed ${path})\n` : `not signed in (no ${path})\n`,
      );
    });

  addDevTokenOptions(
    addIssuerOptions(
      program
        .command("dev-token")
        .description(
          "Print a token from the local stack's issuer, and nothing else (export AKSV_TOKEN=$(aks-vending dev-token --team T))",
        ),
    ),
    "",
  ).action(async (o: DevTokenFlags, cmd: Command) => {
    grantFrom("", o);
    const api = apiFor(cmd.optsWithGlobals<GlobalOptions>());
    const target = await discover(api, o);
    const meta = await metadataOf(target.openIdConnectUrl);
    if (!meta?.devTokenEndpoint)
      throw new CliError(
        `dev-token works only with the local stack (${meta ? `the issuer ${meta.issuer} has no dev-token endpoint` : `the API at ${api} names no issuer`}); use aks-vending login`,
        EXIT_INVALID,
        "LocalStackOnly",
      );
    const token = await devToken(grantFrom(meta.devTokenEndpoint, o), target.audience);
    process.stdout.write(`${token.accessToken}\n`);
  });

  program
    .command("kube-token")
    .description(
      "Kubernetes exec credential plugin for Entra ID clusters (the kubeconfig of GET …/kubeconfig?plugin=aks-vending): prints an ExecCredential with a token for the AKS server application, from the signed-in profile's local issuer or DefaultAzureCredential",
    )
    .option("--server-id <id>", "the AKS server application (the token's audience)", AKS_SERVER_APP_ID)
    .action(async (o: { serverId: string }) => {
      const token = await kubeToken(o.serverId);
      process.stdout.write(`${JSON.stringify(execCredential(token))}\n`);
    });
}

/**
 * A token for an AKS API server: on the local stack from the signed-in dev-token profile's issuer
 * (the same user and teams as its API token, so the same object id the API granted to), otherwise
 * from DefaultAzureCredential, as kubelogin's azurecli/workloadidentity modes would.
 */
async function kubeToken(serverId: string): Promise<AccessToken> {
  const profile = loadProfile(profilePath());
  if (profile?.kind === "dev-token") return devToken(profile.grant, serverId);
  return azureToken(await azureCredential(), serverId);
}

/** What client-go reads from an exec plugin (client.authentication.k8s.io/v1 ExecCredential). */
export function execCredential(token: AccessToken): Record<string, unknown> {
  return {
    apiVersion: "client.authentication.k8s.io/v1",
    kind: "ExecCredential",
    status: { token: token.accessToken, expirationTimestamp: new Date(token.expiresOn * 1000).toISOString() },
  };
}
