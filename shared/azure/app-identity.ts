// The app's own identity as Entra ID knows it, and its tokens for an AKS cluster's API. The object
// id is read from the app's own ARM token (the `oid` claim Entra ID puts in every access token), so
// no setting has to repeat it; the token itself never leaves this module's callers' memory.
import { decodeJwt } from "jose";
import type { AppConfig } from "../config/index.js";
import { armCredential } from "./clients.js";
import { AKS_SERVER_APP_ID } from "./names.js";

/** The object id of the identity the app runs as (its managed identity in Azure). */
export async function appPrincipalId(config: AppConfig): Promise<string> {
  const token = await armCredential(config).getToken(`${config.arm.audience}/.default`);
  if (!token) throw new Error("the app's credential returned no token");
  const oid = decodeJwt(token.token)["oid"];
  if (typeof oid !== "string" || !oid) throw new Error("the app's token carries no oid claim");
  return oid;
}

/** An Entra ID access token of the app for AKS API servers (audience 6dae42f8-…). */
export async function appKubeToken(config: AppConfig): Promise<string> {
  const token = await armCredential(config).getToken(`${AKS_SERVER_APP_ID}/.default`);
  if (!token) throw new Error("the app's credential returned no token for the AKS API server");
  return token.token;
}
