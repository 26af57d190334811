// Ownership on the whole local stack: two teams' clusters in one resource group. Team A created the
// group; team B's cluster lands in it. Team A's DELETE must remove exactly what was created for its
// own cluster: team B's cluster, VNet and identity stay (and B's status stays Succeeded), and the
// group, which still holds B's resources, stays too. B's DELETE then removes B's resources and keeps
// the group, which was not created for B's cluster, and nothing of B at its cluster's scope (its pod
// security assignment deleted explicitly, its access role assignments gone with the cluster).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { clientsFor, type Clients } from "../../harness/azure.js";
import {
  callApi,
  devToken,
  startStack,
  waitForPhase,
  type ClusterDoc,
  type Stack,
} from "../../harness/stack.js";
import { TAGS } from "../../shared/azure/models.js";

const RG = "rg-shared";
let stack: Stack;
let stateDir: string;
let arm: Clients;
const tokens: Record<"a" | "b", string> = { a: "", b: "" };

before(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "aksv-ownership-"));
  stack = await startStack({ stateDir });
  arm = clientsFor(stack.azure);
  tokens.a = await devToken(stack, { teams: ["team-a"], roles: ["Clusters.Write"], user: "alice" });
  tokens.b = await devToken(stack, { teams: ["team-b"], roles: ["Clusters.Write"], user: "bob" });
});

after(async () => {
  await stack?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

async function create(team: "a" | "b"): Promise<ClusterDoc> {
  const name = `own-${team}`;
  const body = { name, team: `team-${team}`, resourceGroup: RG, nodePool: { count: 1 } };
  const r = await callApi(stack.api, tokens[team], "/clusters", {
    method: "POST",
    body: JSON.stringify(body),
  });
  assert.equal(r.status, 202, `${name} accepted`);
  const doc = await waitForPhase(stack.api, tokens[team], name, ["Succeeded", "Failed"], 120_000);
  assert.equal(doc.phase, "Succeeded", `${name}: ${JSON.stringify(doc.error)}`);
  return doc;
}

async function remove(team: "a" | "b"): Promise<ClusterDoc> {
  const name = `own-${team}`;
  const r = await callApi(stack.api, tokens[team], `/clusters/${name}`, { method: "DELETE" });
  assert.equal(r.status, 202);
  const doc = await waitForPhase(stack.api, tokens[team], name, ["Deleted", "Failed"], 120_000);
  assert.equal(doc.phase, "Deleted", `${name}: ${JSON.stringify(doc.error)}`);
  return doc;
}

/** The tags of what was created for cluster own-<team>, by kind (undefined: gone). */
async function resourcesOf(team: "a" | "b", doc: ClusterDoc) {
  const orMissing = async <T>(get: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await get();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  };
  const vnetName = doc.outputs["vnetId"]!.split("/").at(-1)!;
  return {
    cluster: (await orMissing(() => arm.aks.managedClusters.get(RG, `own-${team}`)))?.tags,
    vnet: (await orMissing(() => arm.network.virtualNetworks.get(RG, vnetName)))?.tags,
    identity: (await orMissing(() => arm.msi.userAssignedIdentities.get(RG, `id-own-${team}`)))?.tags,
  };
}

/** What of own-<team> is left at its cluster's scope: its pod security assignment and role assignments. */
async function clusterScopeOf(team: "a" | "b"): Promise<{ policy: boolean; roleAssignments: number }> {
  const clusterId = `/subscriptions/${stack.azure.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/own-${team}`;
  let policy = true;
  try {
    await arm.resources.resources.getById(
      `${clusterId}/providers/Microsoft.Authorization/policyAssignments/aksv-pod-security`,
      "2023-04-01",
    );
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    policy = false;
  }
  let roleAssignments = 0;
  for await (const a of arm.authorization.roleAssignments.listForResourceGroup(RG))
    if ((a.scope ?? "").toLowerCase().startsWith(clusterId.toLowerCase())) roleAssignments++;
  return { policy, roleAssignments };
}

async function groupContents(): Promise<string[]> {
  const out: string[] = [];
  for await (const r of arm.resources.resources.listByResourceGroup(RG)) out.push(r.name ?? "");
  return out.sort();
}

it("one team's DELETE removes only its own cluster's resources from a shared resource group", async () => {
  const a = await create("a");
  const b = await create("b");
  assert.ok(
    b.warnings.some((w) => w.includes(RG)),
    `B is told the group existed: ${JSON.stringify(b.warnings)}`,
  );

  const before = { a: await resourcesOf("a", a), b: await resourcesOf("b", b) };
  for (const [team, tags] of Object.entries(before))
    for (const [kind, t] of Object.entries(tags))
      assert.ok(t?.[TAGS.clusterUid], `${team}'s ${kind} carries its cluster's unique id`);
  assert.notEqual(before.a.cluster?.[TAGS.clusterUid], before.b.cluster?.[TAGS.clusterUid]);

  // On each cluster: its pod security initiative, the app's Cluster Admin and the team's writer.
  assert.deepEqual(await clusterScopeOf("b"), { policy: true, roleAssignments: 2 });
  const deletedA = await remove("a");
  assert.deepEqual(await clusterScopeOf("a"), { policy: false, roleAssignments: 0 });
  assert.deepEqual(await clusterScopeOf("b"), { policy: true, roleAssignments: 2 }, "B's are untouched");
  assert.deepEqual(await resourcesOf("a", a), { cluster: undefined, vnet: undefined, identity: undefined });
  assert.deepEqual(await resourcesOf("b", b), before.b, "B's cluster, VNet and identity are untouched");
  const bNow = await waitForPhase(stack.api, tokens.b, "own-b", ["Succeeded", "Failed", "Deleted"]);
  assert.equal(bNow.phase, "Succeeded", "B's status still says Succeeded, and it is true");
  assert.ok(
    deletedA.warnings.some((w) => w.includes(`resourceGroups/${RG}`) && /holds/.test(w)),
    `A's delete says why it kept the group: ${JSON.stringify(deletedA.warnings)}`,
  );
  const vnetB = b.outputs["vnetId"]!.split("/").at(-1)!;
  assert.deepEqual(await groupContents(), [vnetB, "id-own-b", "own-b"].sort());

  const deletedB = await remove("b");
  assert.deepEqual(await resourcesOf("b", b), { cluster: undefined, vnet: undefined, identity: undefined });
  // The group stays (it was there before B), so nothing of B may be left at B's cluster scope; the
  // pod security assignment went by its own DELETE, not only with its scope.
  assert.deepEqual(await clusterScopeOf("b"), { policy: false, roleAssignments: 0 });
  assert.deepEqual(
    stack.azure.recorder
      .query({
        method: "DELETE",
        path: "/managedClusters/own-b/providers/Microsoft.Authorization/policyAssignments/",
      })
      .map((q) => q.status),
    [200],
    "B's pod security assignment deleted explicitly, once",
  );
  assert.deepEqual(await groupContents(), [], "nothing left in the group");
  assert.ok(
    deletedB.warnings.some(
      (w) => w.includes(`resourceGroups/${RG}`) && /not created for this cluster/.test(w),
    ),
    `B's delete keeps the group it did not create: ${JSON.stringify(deletedB.warnings)}`,
  );
});
