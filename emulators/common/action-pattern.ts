// Azure RBAC's action patterns ("Microsoft.Network/*", "…/pods/*"): `*` matches any run of
// characters, case-insensitively. Shared by the Azure emulator's permission check (actions) and the
// Kubernetes emulator's Azure RBAC authorizer (dataActions).
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
      .join(".*")}$`,
    "i",
  );
  return re.test(action);
}
