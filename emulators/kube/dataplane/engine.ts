// The decider the data plane uses by default. Until the project's NetworkPolicy engine
// (shared/netpol, issue-netpol) is merged, no policy is enforced and a warning says so once.
import type { ReachabilityDecider } from "./reachability.js";

let warned = false;

export const defaultDecider: ReachabilityDecider = {
  compile() {
    if (!warned) {
      warned = true;
      console.warn("[kube] NetworkPolicy engine not available yet: probes are not filtered by policies");
    }
    return { evaluate: () => ({ allowed: true }) };
  },
};
