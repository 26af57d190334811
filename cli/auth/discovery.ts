// How the CLI learns where to sign in: the API's OpenAPI document (anonymous) names the issuer and
// audience in `components.securitySchemes.entra` ({type: "openIdConnect", openIdConnectUrl,
// "x-aks-vending-audience"}); the issuer's OIDC metadata carries `aks_vending_dev_token_endpoint`
// only on the local stack's issuer (the Azure emulator), never on Entra ID's.
import { CliError, fetchOrExplain } from "../errors.js";

export interface SignInTarget {
  audience: string;
  /** `<issuer>/.well-known/openid-configuration`, when known. */
  openIdConnectUrl?: string;
}

export interface IssuerMetadata {
  issuer: string;
  /** Only the local issuer has it: where dev tokens come from. */
  devTokenEndpoint?: string;
}

export interface DiscoveryFlags {
  /** The issuer URL (its metadata is at <issuer>/.well-known/openid-configuration). */
  issuer?: string;
  audience?: string;
}

export function metadataUrlOf(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

async function getJson(url: string): Promise<unknown> {
  const r = await fetchOrExplain(url, { headers: { accept: "application/json" } });
  if (!r.ok) throw new CliError(`${url} answered ${r.status}`, 1, "DiscoveryFailed");
  try {
    return (await r.json()) as unknown;
  } catch {
    throw new CliError(`${url} did not answer JSON`, 1, "DiscoveryFailed");
  }
}

/** `components.securitySchemes.entra` of the API's OpenAPI document, if it has one. */
async function advertised(api: string): Promise<Partial<SignInTarget>> {
  const doc = (await getJson(`${api.replace(/\/+$/, "")}/openapi.json`)) as {
    components?: { securitySchemes?: Record<string, Record<string, unknown>> };
  };
  const scheme = doc.components?.securitySchemes?.["entra"];
  const url = scheme?.["openIdConnectUrl"];
  const audience = scheme?.["x-aks-vending-audience"];
  return {
    ...(typeof url === "string" ? { openIdConnectUrl: url } : {}),
    ...(typeof audience === "string" ? { audience } : {}),
  };
}

/** The issuer and audience to sign in with: the flags, else what the API advertises. */
export async function discover(api: string, flags: DiscoveryFlags): Promise<SignInTarget> {
  const fromFlags = {
    ...(flags.issuer ? { openIdConnectUrl: metadataUrlOf(flags.issuer) } : {}),
    ...(flags.audience ? { audience: flags.audience } : {}),
  };
  // With --audience given, an API that cannot be asked is no reason to stop (the issuer may be
  // all that is missing, and only the local stack needs it).
  const found =
    flags.issuer && flags.audience
      ? {}
      : await advertised(api).catch((e: unknown) => {
          if (flags.audience) return {};
          throw e;
        });
  const target = { ...found, ...fromFlags };
  if (!target.audience)
    throw new CliError(
      `the API at ${api} does not say how to sign in (no components.securitySchemes.entra in its openapi.json); pass --audience (and --issuer for the local stack)`,
      1,
      "DiscoveryFailed",
    );
  return {
    audience: target.audience,
    ...(target.openIdConnectUrl ? { openIdConnectUrl: target.openIdConnectUrl } : {}),
  };
}

export async function issuerMetadata(openIdConnectUrl: string): Promise<IssuerMetadata> {
  const m = (await getJson(openIdConnectUrl)) as Record<string, unknown>;
  if (typeof m["issuer"] !== "string")
    throw new CliError(`${openIdConnectUrl} is not OpenID metadata (no issuer)`, 1, "DiscoveryFailed");
  const endpoint = m["aks_vending_dev_token_endpoint"];
  return { issuer: m["issuer"], ...(typeof endpoint === "string" ? { devTokenEndpoint: endpoint } : {}) };
}
