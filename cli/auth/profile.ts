// The sign-in profile `aks-vending login` writes and every API command reads:
// $AKSV_CONFIG_DIR/profile.json (default $XDG_CONFIG_HOME/aks-vending, else ~/.config/aks-vending),
// written atomically (temporary file + rename) with mode 0600 because a local profile holds a token.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { ROLES } from "../../shared/auth/caller.js";
import { CliError } from "../errors.js";

/** How to get a new dev token from the local issuer when the stored one expires. */
const DevTokenGrantSchema = z.object({
  endpoint: z.url(),
  teams: z.array(z.string()),
  role: z.enum(ROLES),
  user: z.string().optional(),
  expiresInSeconds: z.number().optional(),
});

const common = {
  /** The API this profile signs in to (tokens are sent to no other). */
  api: z.string(),
  audience: z.string(),
  /** The OIDC metadata URL the API advertised (absent when only --audience was given). */
  openIdConnectUrl: z.string().optional(),
};

export const ProfileSchema = z.discriminatedUnion("kind", [
  z.object({
    /** Local stack: a dev token from the Azure emulator's issuer, renewed from `grant`. */
    kind: z.literal("dev-token"),
    ...common,
    grant: DevTokenGrantSchema,
    token: z.object({ accessToken: z.string(), expiresOn: z.number() }),
  }),
  z.object({
    /** Azure: no token stored; each command asks DefaultAzureCredential, which caches. */
    kind: z.literal("azure-identity"),
    ...common,
  }),
]);

export type Profile = z.infer<typeof ProfileSchema>;
export type DevTokenGrant = z.infer<typeof DevTokenGrantSchema>;

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env["AKSV_CONFIG_DIR"]) return env["AKSV_CONFIG_DIR"];
  return join(env["XDG_CONFIG_HOME"] || join(homedir(), ".config"), "aks-vending");
}

export function profilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), "profile.json");
}

/** The stored profile, or undefined when nobody signed in; a damaged file is a CliError. */
export function loadProfile(path = profilePath()): Profile | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CliError(`cannot read the sign-in profile ${path}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const parsed = ProfileSchema.safeParse(data);
  if (!parsed.success)
    throw new CliError(
      `the sign-in profile ${path} is damaged; run aks-vending login again`,
      1,
      "NotSignedIn",
    );
  return parsed.data;
}

/** Writes the profile atomically, readable by its owner only. */
export function saveProfile(profile: Profile, path = profilePath()): void {
  const dir = join(path, "..");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.profile.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Removes the profile; false when there was none. */
export function removeProfile(path = profilePath()): boolean {
  try {
    rmSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}

/** API URLs compare without trailing slashes. */
export function sameApi(a: string, b: string): boolean {
  return a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}
