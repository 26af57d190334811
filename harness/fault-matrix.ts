// The fault × step matrix of issue 14 and what each of its cells checks, shared by the e2e suites
// (test/e2e/fault-matrix.test.ts, kill-matrix.test.ts) and the table printer (bench/fault-matrix.ts).
// A cell is one cluster with its own name (so cells run at once on one stack): faults are aimed at
// that cluster's requests only, in the Azure emulator (paths under rg-<name>, and `operationOf` for
// its operation polls) or in the Kubernetes emulator (`cluster` = its resource id). Nothing here
// asserts: a cell's verdict is the list of what went wrong (empty when it ended right).
import { readFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import type { KubeFaultRule } from "../emulators/kube/faults.js";
import { clientsFor, type Clients } from "./azure.js";
import { callApi, json, ROOT, waitForPhase, type ClusterDoc, type FaultRule, type Stack } from "./stack.js";

export const FAULT_KINDS = [
  "429 Retry-After",
  "500",
  "503",
  "dropped connection",
  "PrincipalNotFound",
  "OperationNotAllowed",
  "create ends Failed",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const MATRIX_STEPS = [
  "resource group",
  "VNet",
  "identity",
  "role assignment",
  "cluster submit",
  "access grants",
  "policy assignment",
  "cluster polling",
  "final GET",
  "seeding",
  "verification",
  "delete",
] as const;
export type MatrixStep = (typeof MATRIX_STEPS)[number];

/** How a cell must end. */
export type Expectation =
  /** Succeeded, exactly one of each resource, nothing deleted. */
  | "Succeeded"
  /** Failed at `step` with the operation's code, rolled back: nothing of the cluster left. */
  | "RolledBack"
  /** Provisioned, then DELETE (under the faults) ends Deleted with zero orphans. */
  | "Deleted";

export interface ApplicableCell {
  fault: FaultKind;
  step: MatrixStep;
  /** The cluster this cell provisions. */
  name: string;
  arm: FaultRule[];
  kube: KubeFaultRule[];
  /** Seeds the tutorial's namespace and verifies it (seeding and verification cells). */
  seeded: boolean;
  /** Faults are added once the cluster is Succeeded, before the DELETE (delete cells). */
  faultsOnDelete: boolean;
  expect: Expectation;
  /** The status step that fails, for RolledBack. */
  failedStep?: string;
}

export interface NotApplicable {
  fault: FaultKind;
  step: MatrixStep;
  reason: string;
}

export type Cell = ApplicableCell | NotApplicable;

export const isApplicable = (c: Cell): c is ApplicableCell => "name" in c;

const BUSY =
  "Operation is not allowed because there's an in progress updating managed cluster operation which will conflict with it. Please wait for the operation to complete before retrying.";
/** The network RP's busy answer (Microsoft.Network), to the VNet's delete in the delete cell. */
const NETWORK_BUSY =
  "Another operation on this or dependent resource is in progress. Please wait for the operation to complete before retrying.";
const FAILED_CODE = "QuotaExceeded";
const FAILED_MESSAGE = "Operation could not be completed as it results in exceeding approved quota.";

/** How many times each fault is served: beyond the SDK's own retries (5 attempts), within the step's budget. */
export const TIMES = {
  http: 6,
  principalNotFound: 8,
  // More than the 6 attempts the old code gave a busy cluster; fewer than the cluster deadline
  // (60 s in the e2e matrix) allows for under the load of every cell at once.
  busySubmit: 8,
  busyDelete: 6,
  kube: 3,
} as const;

const SHORT: Record<FaultKind, string> = {
  "429 Retry-After": "429",
  "500": "500",
  "503": "503",
  "dropped connection": "drop",
  PrincipalNotFound: "pnf",
  OperationNotAllowed: "ona",
  "create ends Failed": "fail",
};
/** Steps as cluster names abbreviate them. */
export const STEP_SHORT: Record<MatrixStep, string> = {
  "resource group": "rg",
  VNet: "vnet",
  identity: "id",
  "role assignment": "ra",
  "cluster submit": "submit",
  "access grants": "grant",
  "policy assignment": "policy",
  "cluster polling": "poll",
  "final GET": "get",
  seeding: "seed",
  verification: "verify",
  delete: "del",
};

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const sub = "^/subscriptions/[^/]+";
const rgPath = (name: string) => `${sub}/resourcegroups/rg-${esc(name)}`;
const clusterPath = (name: string) =>
  `${rgPath(name)}/providers/microsoft\\.containerservice/managedclusters/${esc(name)}$`;
/** An assignment at the cluster's scope (made in the create's wait): `kind` roleassignments or policyassignments. */
export const atClusterScope = (name: string, kind: string) =>
  `${clusterPath(name).slice(0, -1)}/providers/microsoft\\.authorization/${kind}/[^/]+$`;

/** Where a step's ARM request goes: the write of the step's resource (or the cluster's reads). */
function armTarget(step: MatrixStep, name: string): Partial<FaultRule> | undefined {
  switch (step) {
    case "resource group":
      return { method: "PUT", path: `${rgPath(name)}$` };
    case "VNet":
      return { method: "PUT", path: `${rgPath(name)}/providers/microsoft\\.network/virtualnetworks/[^/]+$` };
    case "identity":
      return {
        method: "PUT",
        path: `${rgPath(name)}/providers/microsoft\\.managedidentity/userassignedidentities/[^/]+$`,
      };
    case "role assignment":
      // The identity's on the subnet (the step), not the access grants on the cluster after it.
      return {
        method: "PUT",
        path: `${rgPath(name)}/providers/microsoft\\.network/virtualnetworks/[^/]+/subnets/[^/]+/providers/microsoft\\.authorization/roleassignments/`,
      };
    case "cluster submit":
      return { method: "PUT", path: clusterPath(name) };
    case "access grants":
      // The Entra ID grants at the cluster's scope, made in the create's wait.
      return { method: "PUT", path: atClusterScope(name, "roleassignments") };
    case "policy assignment":
      return { method: "PUT", path: atClusterScope(name, "policyassignments") };
    case "cluster polling":
      // The create's Azure-AsyncOperation status polls (their URL names no resource).
      return { method: "GET", operationOf: `/managedclusters/${esc(name)}$` };
    case "final GET":
      // Skip the submit's own read-first GET: the next GETs are the poller's final GET.
      return { method: "GET", path: clusterPath(name), skip: 1 };
    case "delete":
      return { method: "DELETE", path: clusterPath(name) };
    default:
      return undefined;
  }
}

/** Where a step's Kubernetes requests go: seeding's NetworkPolicies, verification's probe pods. */
function kubeTarget(step: MatrixStep, name: string): Partial<KubeFaultRule> | undefined {
  const cluster = `/managedclusters/${esc(name)}$`;
  if (step === "seeding") return { cluster, path: "/networkpolicies" };
  if (step === "verification") return { cluster, method: "POST", path: "^/api/v1/namespaces/[^/]+/pods$" };
  return undefined;
}

const NA = {
  principalOnlyRoleAssignment:
    "ARM answers PrincipalNotFound only to a role assignment (its principal not replicated yet)",
  busyOnlyClusterWrites:
    "OperationNotAllowed (another operation in progress) is AKS's answer to a write on a busy cluster: its create or its delete; the network RP says AnotherOperationInProgress, and reads are never refused as busy",
  notLongRunning: "created synchronously by ARM: there is no long-running operation to end Failed",
  failedSeenWhilePolling:
    "the PUT is accepted (201); an operation that ends Failed is seen by the polls (the cluster polling cell)",
  failedHasNoFinalGet: "an operation that ended Failed has no final GET (the poller stops at its status)",
  notArm: "an ARM error code; the API server has no such answer",
  deleteIsNotCreate: "a create fault; the delete is covered by the transient kinds and OperationNotAllowed",
} as const;

function notApplicable(fault: FaultKind, step: MatrixStep): string | undefined {
  const kube = step === "seeding" || step === "verification";
  if (fault === "PrincipalNotFound")
    return step === "role assignment" || step === "access grants"
      ? undefined
      : NA.principalOnlyRoleAssignment;
  if (fault === "OperationNotAllowed")
    return step === "cluster submit" || step === "delete"
      ? undefined
      : kube
        ? NA.notArm
        : NA.busyOnlyClusterWrites;
  if (fault === "create ends Failed") {
    if (step === "VNet" || step === "cluster polling") return undefined;
    if (kube) return NA.notArm;
    if (step === "cluster submit") return NA.failedSeenWhilePolling;
    if (step === "final GET") return NA.failedHasNoFinalGet;
    if (step === "delete") return NA.deleteIsNotCreate;
    return NA.notLongRunning;
  }
  return undefined;
}

function armRule(fault: FaultKind, step: MatrixStep, target: Partial<FaultRule>): FaultRule {
  switch (fault) {
    case "429 Retry-After":
      return { kind: "throttle", ...target, times: TIMES.http, retryAfterSeconds: 1 };
    case "500":
      return { kind: "error", status: 500, ...target, times: TIMES.http };
    case "503":
      return { kind: "error", status: 503, ...target, times: TIMES.http };
    case "dropped connection":
      return { kind: "drop", ...target, times: TIMES.http };
    case "PrincipalNotFound":
      return {
        kind: "error",
        status: 400,
        code: "PrincipalNotFound",
        message: "Principal does not exist in the directory",
        ...target,
        times: TIMES.principalNotFound,
      };
    case "OperationNotAllowed":
      return {
        kind: "error",
        status: 409,
        code: "OperationNotAllowed",
        message: BUSY,
        ...target,
        times: step === "delete" ? TIMES.busyDelete : TIMES.busySubmit,
      };
    case "create ends Failed":
      // The create of the step's resource: its PUT starts an operation that ends Failed.
      return {
        kind: "provisioningFailure",
        ...target,
        code: FAILED_CODE,
        message: FAILED_MESSAGE,
        times: 1,
      };
  }
}

function vnetDeleteBusy(name: string): FaultRule {
  return {
    kind: "error",
    status: 409,
    code: "AnotherOperationInProgress",
    message: NETWORK_BUSY,
    ...armTarget("VNet", name),
    method: "DELETE",
    times: TIMES.busyDelete,
  };
}

function kubeRule(fault: FaultKind, target: Partial<KubeFaultRule>): KubeFaultRule {
  const times = TIMES.kube;
  if (fault === "429 Retry-After") return { kind: "throttle", ...target, times, retryAfterSeconds: 1 };
  if (fault === "dropped connection") return { kind: "drop", ...target, times };
  return { kind: "error", status: fault === "503" ? 503 : 500, ...target, times };
}

/** Every cell of the matrix, in table order (steps × fault kinds). */
export function matrixCells(prefix = "f"): Cell[] {
  const cells: Cell[] = [];
  for (const step of MATRIX_STEPS)
    for (const fault of FAULT_KINDS) {
      const reason = notApplicable(fault, step);
      if (reason) {
        cells.push({ fault, step, reason });
        continue;
      }
      const name = `${prefix}-${STEP_SHORT[step]}-${SHORT[fault]}`;
      const kubeAt = kubeTarget(step, name);
      let arm: FaultRule[] = [];
      if (!kubeAt) {
        // A create that ends Failed is aimed at the create's PUT, whatever step observes it.
        const at = fault === "create ends Failed" && step === "cluster polling" ? "cluster submit" : step;
        arm = [armRule(fault, step, armTarget(at, name)!)];
        // A busy delete: the network RP's busy answer to the VNet's delete too, waited for the same way.
        if (fault === "OperationNotAllowed" && step === "delete") arm.push(vnetDeleteBusy(name));
      }
      cells.push({
        fault,
        step,
        name,
        arm,
        kube: kubeAt ? [kubeRule(fault, kubeAt)] : [],
        seeded: kubeAt !== undefined,
        faultsOnDelete: step === "delete",
        expect: fault === "create ends Failed" ? "RolledBack" : step === "delete" ? "Deleted" : "Succeeded",
        ...(fault === "create ends Failed"
          ? { failedStep: step === "VNet" ? "virtualNetwork" : "cluster" }
          : {}),
      });
    }
  return cells;
}

/** The tutorial's namespace (workload, policies, two expectations) for seeded cells. */
export function tutorialNamespaces(): unknown {
  const body = JSON.parse(readFileSync(join(ROOT, "examples/seed-tutorial.json"), "utf8")) as {
    namespaces: unknown;
  };
  return body.namespaces;
}

/** The request a cell (or the bystander) sends. */
export function clusterRequest(name: string, seeded: boolean, extra: Record<string, unknown> = {}) {
  return {
    name,
    team: "platform",
    nodePool: { count: 1 },
    ...(seeded ? { namespaces: tutorialNamespaces() } : {}),
    ...extra,
  };
}

const ARM_TYPES = [
  "Microsoft.Network/virtualNetworks",
  "Microsoft.ManagedIdentity/userAssignedIdentities",
  "Microsoft.ContainerService/managedClusters",
] as const;

/** What ARM holds of one cluster's resource group, listed through the SDK. */
export interface Inventory {
  resourceGroup: boolean;
  /** Resources in the group by type, and role assignments scoped inside it. */
  byType: Record<string, number>;
}

export async function inventory(c: Clients, name: string): Promise<Inventory> {
  const rg = `rg-${name}`;
  const exists = (await c.resources.resourceGroups.checkExistence(rg)).body;
  if (!exists) return { resourceGroup: false, byType: {} };
  const byType: Record<string, number> = {};
  for await (const r of c.resources.resources.listByResourceGroup(rg))
    byType[r.type ?? "?"] = (byType[r.type ?? "?"] ?? 0) + 1;
  const inside = `/resourcegroups/${rg.toLowerCase()}/`;
  for await (const a of c.authorization.roleAssignments.listForResourceGroup(rg))
    if ((a.scope ?? "").toLowerCase().includes(inside))
      byType["Microsoft.Authorization/roleAssignments"] =
        (byType["Microsoft.Authorization/roleAssignments"] ?? 0) + 1;
  return { resourceGroup: true, byType };
}

/**
 * A provisioned cluster: one of each resource, and three role assignments: the identity's Network
 * Contributor on the subnet, and on the cluster (Entra ID by default) the app's Cluster Admin and
 * the team's default grant (AKS RBAC Writer).
 */
export const ONE_OF_EACH: Inventory = {
  resourceGroup: true,
  byType: {
    ...(Object.fromEntries(ARM_TYPES.map((t) => [t, 1])) as Record<string, number>),
    "Microsoft.Authorization/roleAssignments": 3,
  },
};

const sorted = (i: Inventory): Inventory => ({
  resourceGroup: i.resourceGroup,
  byType: Object.fromEntries(Object.entries(i.byType).sort(([a], [b]) => a.localeCompare(b))),
});

/** Requests other than reads that reached `rg` (its resources and role assignments) after `sinceSeq`. */
export function writesTo(stack: Pick<Stack, "azure">, rg: string, sinceSeq: number): string[] {
  const inside = `/resourcegroups/${rg.toLowerCase()}`;
  return stack.azure.recorder
    .query({ sinceSeq })
    .filter((r) => r.method !== "GET" && r.method !== "HEAD")
    .filter((r) => {
      const p = r.path.toLowerCase();
      return p.endsWith(inside) || p.includes(`${inside}/`);
    })
    .map((r) => `${r.method} ${r.path} → ${r.status}`);
}

/** The resource ids of the clusters the Kubernetes emulator serves (its admin API). */
async function kubeClusters(stack: Pick<Stack, "kube" | "azure">): Promise<string[]> {
  const text = await new Promise<string>((resolve, reject) => {
    https
      .get(`${stack.kube.url}/_emulator/clusters`, { ca: stack.azure.caPem }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
  return (JSON.parse(text) as { clusters: { resourceId: string }[] }).clusters.map((c) =>
    c.resourceId.toLowerCase(),
  );
}

/** A cluster that exists before every cell, in the same subscription: no cell may touch it. */
export interface Bystander {
  name: string;
  /** The request log's sequence number once it was Succeeded. */
  since: number;
}

export async function createBystander(stack: Stack, token: string, name = "bystander"): Promise<Bystander> {
  const r = await callApi(stack.api, token, "/clusters", {
    method: "POST",
    body: JSON.stringify(clusterRequest(name, true)),
  });
  if (r.status !== 202) throw new Error(`bystander refused: ${r.status} ${await r.text()}`);
  const doc = await waitForPhase(stack.api, token, name, ["Succeeded", "Failed"], 120_000);
  if (doc.phase !== "Succeeded") throw new Error(`bystander ${doc.phase}: ${JSON.stringify(doc.error)}`);
  const seqs = stack.azure.recorder.query({}).map((q) => q.seq);
  return { name, since: Math.max(0, ...seqs) };
}

/** What is wrong with the bystander now (nothing: []). */
export async function bystanderProblems(
  stack: Stack,
  clients: Clients,
  b: Bystander,
  statusOf: (name: string) => Promise<ClusterDoc>,
): Promise<string[]> {
  const problems: string[] = [];
  const writes = writesTo(stack, `rg-${b.name}`, b.since);
  if (writes.length) problems.push(`bystander written: ${writes.join("; ")}`);
  const inv = sorted(await inventory(clients, b.name));
  if (JSON.stringify(inv) !== JSON.stringify(sorted(ONE_OF_EACH)))
    problems.push(`bystander resources: ${JSON.stringify(inv)}`);
  const doc = await statusOf(b.name);
  if (doc.phase !== "Succeeded") problems.push(`bystander phase ${doc.phase}`);
  if (!(await kubeClusters(stack)).some((id) => id.endsWith(`/managedclusters/${b.name}`)))
    problems.push("bystander's Kubernetes cluster is gone");
  return problems;
}

/** How a cell ended: the verdict's facts (for the tables) and what went wrong. */
export interface CellOutcome {
  phase: string;
  error?: string;
  faultsServed: number;
  faultsConfigured: number;
  problems: string[];
}

/** Checks of a cluster that ended Succeeded: verified if seeded, one of each, nothing deleted. */
export async function succeededProblems(
  stack: Stack,
  clients: Clients,
  doc: ClusterDoc,
  seeded: boolean,
  sinceSeq = 0,
): Promise<string[]> {
  const problems: string[] = [];
  if (doc.phase !== "Succeeded") return [`phase ${doc.phase}: ${JSON.stringify(doc.error)}`];
  if (seeded && doc.verification?.passed !== true)
    problems.push(`verification: ${JSON.stringify(doc.verification)}`);
  const notDone = doc.steps.filter((s) => !["Succeeded", "Skipped"].includes(s.status));
  if (notDone.length)
    problems.push(`steps not done: ${notDone.map((s) => `${s.name}=${s.status}`).join(", ")}`);
  const inv = sorted(await inventory(clients, doc.name));
  if (JSON.stringify(inv) !== JSON.stringify(sorted(ONE_OF_EACH)))
    problems.push(`not exactly one of each: ${JSON.stringify(inv)}`);
  const deletes = writesTo(stack, `rg-${doc.name}`, sinceSeq).filter((w) => w.startsWith("DELETE"));
  if (deletes.length) problems.push(`deleted: ${deletes.join("; ")}`);
  return problems;
}

/** Checks that nothing of the cluster is left: its group, its resources, its Kubernetes cluster. */
export async function orphanProblems(stack: Stack, clients: Clients, name: string): Promise<string[]> {
  const problems: string[] = [];
  const inv = await inventory(clients, name);
  if (inv.resourceGroup) problems.push(`orphans in rg-${name}: ${JSON.stringify(inv.byType)}`);
  for await (const r of clients.resources.resources.list())
    if ((r.id ?? "").toLowerCase().includes(`/resourcegroups/rg-${name.toLowerCase()}/`))
      problems.push(`orphan ${r.id}`);
  if ((await kubeClusters(stack)).some((id) => id.endsWith(`/managedclusters/${name.toLowerCase()}`)))
    problems.push("its Kubernetes cluster is still registered");
  return problems;
}

/** Runs one cell on `stack` (as `token`'s caller) and tells how it ended. */
export async function runCell(
  stack: Stack,
  token: string,
  clients: Clients,
  cell: ApplicableCell,
  bystander: Bystander | undefined,
): Promise<CellOutcome> {
  const addFaults = () => {
    stack.azure.faults.add(cell.arm);
    stack.kube.faults.add(cell.kube);
  };
  if (!cell.faultsOnDelete) addFaults();
  const post = await callApi(stack.api, token, "/clusters", {
    method: "POST",
    body: JSON.stringify(clusterRequest(cell.name, cell.seeded, { onFailure: "rollback" })),
  });
  if (post.status !== 202) throw new Error(`${cell.name} refused: ${post.status} ${await post.text()}`);
  let doc = await waitForPhase(stack.api, token, cell.name, ["Succeeded", "Failed"], 150_000);
  const problems: string[] = [];
  if (cell.expect === "Succeeded")
    problems.push(...(await succeededProblems(stack, clients, doc, cell.seeded)));
  if (cell.expect === "RolledBack") {
    if (doc.phase !== "Failed") problems.push(`phase ${doc.phase}, expected Failed`);
    if (doc.error?.code !== FAILED_CODE || doc.error.step !== cell.failedStep)
      problems.push(`error ${JSON.stringify(doc.error)}, expected ${FAILED_CODE} at ${cell.failedStep}`);
    const rollback = doc.steps.find((s) => s.name === "rollback");
    if (rollback?.status !== "Succeeded") problems.push(`rollback ${rollback?.status}`);
    const running = doc.steps.filter((s) => s.status === "Running" || s.status === "Pending");
    if (running.length) problems.push(`steps left ${running.map((s) => `${s.name}=${s.status}`).join(", ")}`);
    problems.push(...(await orphanProblems(stack, clients, cell.name)));
  }
  if (cell.expect === "Deleted") {
    if (doc.phase !== "Succeeded") problems.push(`provisioning before the delete: ${doc.phase}`);
    else {
      addFaults();
      const del = await callApi(stack.api, token, `/clusters/${cell.name}`, { method: "DELETE" });
      if (del.status !== 202) problems.push(`DELETE answered ${del.status}`);
      doc = await waitForPhase(stack.api, token, cell.name, ["Deleted", "Failed"], 150_000);
      if (doc.phase !== "Deleted") problems.push(`delete ended ${doc.phase}: ${JSON.stringify(doc.error)}`);
      problems.push(...(await orphanProblems(stack, clients, cell.name)));
    }
  }
  const faultsServed = served(stack, cell);
  const faultsConfigured = [...cell.arm, ...cell.kube].reduce((n, r) => n + (r.times ?? 0), 0);
  if (faultsServed !== faultsConfigured)
    problems.push(
      `faults served ${faultsServed} of ${faultsConfigured}: the cell did not test what it names`,
    );
  const statusOf = async (name: string) =>
    json<ClusterDoc>(await callApi(stack.api, token, `/clusters/${name}`));
  if (bystander) problems.push(...(await bystanderProblems(stack, clients, bystander, statusOf)));
  return {
    phase: doc.phase,
    ...(doc.error ? { error: `${doc.error.step}: ${doc.error.code}` } : {}),
    faultsServed,
    faultsConfigured,
    problems,
  };
}

/**
 * The faults this cell's own rules served. Rules are found by content (each names the cell's
 * cluster): cells add theirs at different times, so positions are not theirs to know.
 */
function served(stack: Stack, cell: ApplicableCell): number {
  const count = (d: { rules?: unknown[]; fired: { fired: number }[] }, mine: unknown[]): number => {
    const wanted = new Set(mine.map((r) => JSON.stringify(r)));
    return (d.rules ?? []).reduce<number>(
      (n, r, i) => n + (wanted.has(JSON.stringify(r)) ? (d.fired[i]?.fired ?? 0) : 0),
      0,
    );
  };
  return count(stack.azure.faults.describe(), cell.arm) + count(stack.kube.faults.describe(), cell.kube);
}

/** SDK clients on the stack's Azure emulator (listing what ARM holds). */
export function armClients(stack: Pick<Stack, "azure">): Clients {
  return clientsFor(stack.azure);
}
