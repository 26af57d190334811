// GET /api/clusters' query: phase, team, all, top, skipToken. Unknown phases and malformed flags are
// refused (400 naming what is allowed) rather than answered with an empty list.
import { PHASES, type Phase } from "../shared/provision/types.js";
import type { Problem } from "../shared/validation/problems.js";

export interface ListQuery {
  /** Only clusters in this phase (matched case-insensitively, answered in its canonical spelling). */
  phase?: Phase;
  team?: string;
  /** Deleted clusters too (they are hidden unless asked for: `all=true` or `phase=Deleted`). */
  all: boolean;
  top: number;
  skip: number;
}

function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

export function parseListQuery(
  query: URLSearchParams,
): { ok: true; query: ListQuery } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  // An empty parameter is an absent one (as before phases were checked).
  const rawPhase = query.get("phase") || null;
  const phase =
    rawPhase === null ? undefined : PHASES.find((p) => p.toLowerCase() === rawPhase.toLowerCase());
  if (rawPhase !== null && !phase)
    problems.push({
      path: "phase",
      code: "UnknownPhase",
      message: `phase must be one of ${PHASES.join(", ")} (got ${shown(rawPhase)})`,
    });
  const rawAll = query.get("all") || null;
  const all =
    rawAll === null || /^(true|false)$/i.test(rawAll) ? rawAll?.toLowerCase() === "true" : undefined;
  if (all === undefined)
    problems.push({
      path: "all",
      code: "InvalidBoolean",
      message: `all must be true or false (got ${shown(rawAll ?? "")})`,
    });
  if (problems.length > 0) return { ok: false, problems };
  const team = query.get("team") ?? undefined;
  const top = Math.min(Math.max(Number(query.get("top") ?? 50) || 50, 1), 200);
  const skip = Number(Buffer.from(query.get("skipToken") ?? "", "base64url").toString() || 0) || 0;
  return {
    ok: true,
    query: { ...(phase ? { phase } : {}), ...(team ? { team } : {}), all: all === true, top, skip },
  };
}

/** Does a cluster in `phase` of `team` belong in the answer? */
export function listed(q: ListQuery, cluster: { phase: Phase; team: string }): boolean {
  if (q.phase && cluster.phase !== q.phase) return false;
  if (q.team && cluster.team !== q.team) return false;
  return cluster.phase !== "Deleted" || q.all || q.phase === "Deleted";
}
