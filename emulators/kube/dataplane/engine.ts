// The data plane's default decider: the project's NetworkPolicy engine (shared/netpol), compiled
// from the cluster's namespaces, pods and programmed policies for each probe.
import { compileCluster } from "../../../shared/netpol/index.js";
import type { ReachabilityDecider } from "./reachability.js";

export const defaultDecider: ReachabilityDecider = {
  compile: (view) => compileCluster(view),
};
