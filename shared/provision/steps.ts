// The step list an orchestration keeps and publishes as custom status. Pure and deterministic:
// times come from the orchestration's replay-safe clock, never from Date.now().
import type { StepError } from "../azure/errors.js";
import type {
  ClusterOutputs,
  Phase,
  ProvisionCustomStatus,
  StepStatus,
  VerificationReport,
} from "./types.js";

/** Step names, in the order they run; GET shows them in this order. */
export const STEP = {
  resourceGroup: "resourceGroup",
  virtualNetwork: "virtualNetwork",
  identity: "identity",
  roleAssignment: "roleAssignment",
  cluster: "cluster",
  /** Azure RBAC: the app's Cluster Admin on the cluster (clusters with Entra ID only). */
  clusterAccess: "clusterAccess",
  maintenance: "maintenanceConfiguration",
  policyAssignment: "policyAssignment",
  // An update (updateCluster): the cluster PUT, its pools, its upgrade, its grants' revocation.
  clusterSettings: "cluster:settings",
  deleteNodePool: (pool: string) => `delete:nodePool:${pool}`,
  upgradePlan: "upgrade:plan",
  upgradeControlPlane: (version: string) => `upgrade:controlPlane:${version}`,
  nodePool: (pool: string) => `nodePool:${pool}`,
  upgradePool: (pool: string) => `upgrade:pool:${pool}`,
  revokeAccess: "clusterAccess:revoke",
  seed: (namespace: string) => `seed:${namespace}`,
  prune: "prune",
  verification: "verification",
  rollback: "rollback",
  deleteCluster: "delete:cluster",
  deleteRoleAssignment: "delete:roleAssignment",
  deleteIdentity: "delete:identity",
  deleteVirtualNetwork: "delete:virtualNetwork",
  deleteResourceGroup: "delete:resourceGroup",
} as const;

export class StepTracker {
  readonly status: ProvisionCustomStatus;

  constructor(names: readonly string[], phase: Phase = "Accepted", warnings: string[] = []) {
    this.status = {
      phase,
      steps: names.map((name) => ({ name, status: "Pending", attempts: 0 })),
      outputs: {},
      warnings: [...warnings],
    };
  }

  private step(name: string): StepStatus {
    let s = this.status.steps.find((x) => x.name === name);
    if (!s) {
      s = { name, status: "Pending", attempts: 0 };
      this.status.steps.push(s);
    }
    return s;
  }

  phase(phase: Phase): this {
    this.status.phase = phase;
    return this;
  }

  /**
   * Adds Pending steps right after `after` (steps known only once the flow has read something: an
   * upgrade's hops), so the list keeps the order they run in. Steps already listed stay where they are.
   */
  insertAfter(after: string, names: readonly string[]): this {
    const fresh = names.filter((n) => !this.status.steps.some((s) => s.name === n));
    const at = this.status.steps.findIndex((s) => s.name === after);
    const steps = fresh.map((name): StepStatus => ({ name, status: "Pending", attempts: 0 }));
    this.status.steps.splice(at < 0 ? this.status.steps.length : at + 1, 0, ...steps);
    return this;
  }

  start(name: string, at: Date): this {
    const s = this.step(name);
    if (s.status !== "Running") {
      s.status = "Running";
      s.startedAt ??= at.toISOString();
    }
    s.attempts = Math.max(s.attempts, 1);
    return this;
  }

  /**
   * What a running step waits for (undefined: nothing any more). The same reason keeps its `since`;
   * answers whether the status changed.
   */
  wait(name: string, reason: StepError | undefined, at: Date): boolean {
    const s = this.step(name);
    if (!reason) {
      if (!s.waitingFor) return false;
      delete s.waitingFor;
      return true;
    }
    if (s.waitingFor?.code === reason.code && s.waitingFor.message === reason.message) return false;
    s.waitingFor = { code: reason.code, message: reason.message, since: at.toISOString() };
    return true;
  }

  /** `n` more attempts at a step: retries after transient failures, resubmits of an ARM operation. */
  retried(name: string, n = 1): this {
    if (n > 0) this.step(name).attempts += n;
    return this;
  }

  /** One more status poll of a running step's long-running operation (not an attempt). */
  poll(name: string): this {
    const s = this.step(name);
    s.polls = (s.polls ?? 0) + 1;
    return this;
  }

  /** Sets a step's attempts (the rounds a sub-orchestration ran for it). */
  attempts(name: string, attempts: number): this {
    this.step(name).attempts = attempts;
    return this;
  }

  succeed(name: string, at: Date): this {
    const s = this.step(name);
    s.status = "Succeeded";
    s.startedAt ??= at.toISOString();
    s.finishedAt = at.toISOString();
    s.attempts = Math.max(s.attempts, 1);
    delete s.error;
    delete s.waitingFor;
    return this;
  }

  fail(name: string, at: Date, error: StepError): this {
    const s = this.step(name);
    s.status = "Failed";
    s.startedAt ??= at.toISOString();
    s.finishedAt = at.toISOString();
    s.attempts = Math.max(s.attempts, 1);
    s.error = error;
    delete s.waitingFor;
    this.status.error = { ...error, step: name };
    return this;
  }

  /**
   * Marks a step Failed without an error of its own and without touching the status's error: a
   * rollback that did not finish after a failed provisioning (the provisioning's error is the one
   * callers need).
   */
  abandon(name: string): this {
    const s = this.step(name);
    s.status = "Failed";
    delete s.waitingFor;
    return this;
  }

  skip(name: string): this {
    const s = this.step(name);
    if (s.status === "Pending") s.status = "Skipped";
    return this;
  }

  /**
   * After a failure: every step that has not ended is Skipped, those pending and those left running
   * (a step of the create's wait still to be tried again when the create failed).
   */
  skipRemaining(): this {
    for (const s of this.status.steps)
      if (s.status === "Pending" || s.status === "Running") {
        s.status = "Skipped";
        delete s.waitingFor;
      }
    return this;
  }

  outputs(outputs: ClusterOutputs): this {
    Object.assign(this.status.outputs, outputs);
    return this;
  }

  verification(report: VerificationReport): this {
    this.status.verification = report;
    return this;
  }

  warn(message: string): this {
    if (!this.status.warnings.includes(message)) this.status.warnings.push(message);
    return this;
  }

  /** A copy for setCustomStatus (the library keeps a reference; later mutations must not leak in). */
  snapshot(): ProvisionCustomStatus {
    return structuredClone(this.status);
  }
}
