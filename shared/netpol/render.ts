// A reachability matrix as a readable table, in the style of the upstream e2e truth tables:
// rows are sources, columns destinations, "." allowed and "X" denied.
import type { ReachabilityMatrix } from "./types.js";

export function renderMatrix(m: ReachabilityMatrix): string {
  const n = m.pods.length;
  const rowWidth = Math.max(4, ...m.pods.map((p) => p.length));
  const header = [`${m.port}/${m.protocol}`.padEnd(rowWidth), ...m.pods].join(" ");
  const lines = [header];
  for (let i = 0; i < n; i++) {
    const cells = m.pods.map((to, j) => (m.allowed(i, j) ? "." : "X").padEnd(to.length));
    lines.push([m.pods[i]!.padEnd(rowWidth), ...cells].join(" ").trimEnd());
  }
  lines.push("", `rows: from, columns: to; "." allowed, "X" denied`);
  return lines.join("\n");
}
