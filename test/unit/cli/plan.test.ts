// The what-if plan as the CLI shows it (cli/plan.ts), and when a wait counts a change as done
// (cli/wait.ts): pure functions, no server.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StatusDocument } from "../../../cli/api-client.js";
import { paint } from "../../../cli/output.js";
import { formatValue, groupOf, planCounts, planHasChanges, planOf, renderPlan } from "../../../cli/plan.js";
import { parseIfMatch, parseKubernetesVersion } from "../../../cli/commands/updates.js";
import { CliError } from "../../../cli/errors.js";
import { operationNote, reachedGeneration } from "../../../cli/wait.js";

const plain = paint(false);

const answer = {
  plan: {
    changes: [
      { path: "name", from: "c1", to: "c1", action: "none", disruptive: false },
      { path: "nodePool.count", from: 1, to: 3, action: "update", disruptive: false },
      {
        path: "nodePool.vmSize",
        from: "Standard_D2s_v5",
        to: "Standard_D4s_v5",
        action: "replace",
        disruptive: true,
      },
      { path: "namespaces[web]", to: { name: "web" }, action: "create", disruptive: false },
      { path: "namespaces[old]", from: { name: "old" }, action: "delete", disruptive: false },
      { path: "kubernetesVersion", from: "1.32", to: "1.33", action: "update", disruptive: true },
    ],
    arm: [
      {
        method: "put",
        resourceId:
          "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1",
        reason: "upgrade the control plane",
      },
    ],
    kubernetes: [
      { action: "create", kind: "Namespace", name: "web" },
      { action: "create", kind: "NetworkPolicy", namespace: "web", name: "deny-all" },
      { action: "delete", kind: "Namespace", name: "old" },
      { action: "label", kind: "Deployment", namespace: "web", name: "api" },
    ],
    reachability: {
      changed: [
        {
          from: "test{app=webapp,role=frontend}",
          to: "api.web",
          port: 80,
          before: "allowed",
          after: "denied",
        },
        { from: "web{app=api}", to: "db.web:5432", port: 5432, before: "denied", after: "allowed" },
      ],
    },
  },
};

describe("the plan as a diff", () => {
  it("groups changes by top-level field with +, ~, -, ! and marks disruptive and replaced ones; lists ARM, Kubernetes and reachability", () => {
    const plan = planOf(answer);
    assert.ok(plan);
    assert.equal(
      renderPlan("c1", plan, plain),
      [
        "Cluster c1: what applying the request would do",
        "",
        "Spec:",
        "  nodePool",
        "    ~ count: 1 → 3",
        '    ! vmSize: "Standard_D2s_v5" → "Standard_D4s_v5"  (replaced, disruptive)',
        "  namespaces",
        '    + [web]: {"name":"web"}',
        '    - [old]: {"name":"old"}',
        '  ~ kubernetesVersion: "1.32" → "1.33"  (disruptive)',
        "",
        "Azure Resource Manager (1 request):",
        "  PUT    /subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1  # upgrade the control plane",
        "",
        "Kubernetes (4 objects):",
        "  + Namespace web  (create)",
        "  + NetworkPolicy web/deny-all  (create)",
        "  - Namespace old  (delete)",
        "  * Deployment web/api  (label)",
        "",
        "Reachability (2 probes change verdict):",
        "  test{app=webapp,role=frontend} → api.web:80: allowed → denied",
        "  web{app=api} → db.web:5432: denied → allowed",
        "",
        "Plan: 1 to add, 2 to change, 1 to replace, 1 to delete (2 disruptive).",
        "",
      ].join("\n"),
    );
    assert.deepEqual(planCounts(plan), { create: 1, update: 2, replace: 1, delete: 1, disruptive: 2 });
  });

  it("colours only when asked: additions green, changes yellow, deletions and disruption red", () => {
    const text = renderPlan("c1", planOf(answer)!, paint(true));
    const esc = String.fromCharCode(27);
    const coloured = (code: number, s: string) => `${esc}[${code}m${s}${esc}[39m`;
    assert.ok(text.includes(coloured(32, "+ [web]")), text);
    assert.ok(text.includes(coloured(33, "~ count")), text);
    assert.ok(text.includes(coloured(31, "- [old]")), text);
    assert.ok(text.includes(coloured(31, "(disruptive)")), text);
    assert.ok(!renderPlan("c1", planOf(answer)!, plain).includes(esc));
  });

  it("a plan of unchanged fields only is 'No changes'; a missing section reads as empty; a body without a plan is none", () => {
    const none = planOf({
      plan: { changes: [{ path: "tags", from: {}, to: {}, action: "none", disruptive: false }] },
    });
    assert.ok(none);
    assert.equal(planHasChanges(none), false);
    assert.equal(renderPlan("c1", none, plain), "No changes: cluster c1 already matches the request.\n");
    assert.equal(
      planHasChanges(
        planOf({ plan: { changes: [], kubernetes: [{ action: "create", kind: "Namespace", name: "x" }] } })!,
      ),
      true,
    );
    assert.equal(planOf({ name: "c1", phase: "Succeeded" }), undefined);
    assert.equal(planOf({ plan: { changes: [{ path: "x", action: "rename" }] } }), undefined);
  });

  it("values are compact JSON, shortened past 72 characters; paths group by their first field", () => {
    assert.equal(formatValue(undefined), "(none)");
    assert.equal(formatValue({ a: [1, 2] }), '{"a":[1,2]}');
    const long = formatValue("x".repeat(100));
    assert.equal(long.length, 72);
    assert.ok(long.endsWith("…"));
    assert.equal(groupOf("namespaces[web].networkPolicies[deny]"), "namespaces");
    assert.equal(groupOf("nodePool.count"), "nodePool");
    assert.equal(groupOf("tags"), "tags");
  });
});

describe("arguments of the update commands", () => {
  it("--if-match takes a generation or its ETag; --to takes MAJOR.MINOR[.PATCH] (else exit 2)", () => {
    assert.equal(parseIfMatch("3"), '"3"');
    assert.equal(parseIfMatch('"3"'), '"3"');
    assert.equal(parseIfMatch('W/"12"'), '"12"');
    assert.throws(() => parseIfMatch("*"), /a generation such as 3/);
    assert.equal(parseKubernetesVersion("1.33"), "1.33");
    assert.equal(parseKubernetesVersion("1.33.2"), "1.33.2");
    for (const bad of ["1", "v1.33", "1.33.x", "latest"])
      assert.throws(
        () => parseKubernetesVersion(bad),
        (e: unknown) => e instanceof CliError && e.exitCode === 2 && e.code === "InvalidArgument",
      );
  });
});

describe("when a wait counts a change as done", () => {
  const doc = (fields: Partial<StatusDocument>): StatusDocument =>
    ({ name: "c1", phase: "Succeeded", steps: [], ...fields }) as StatusDocument;

  it("once observedGeneration reaches the generation waited for and the document's own", () => {
    assert.equal(reachedGeneration(doc({ generation: 2, observedGeneration: 1 }), 2), false);
    assert.equal(reachedGeneration(doc({ generation: 2, observedGeneration: 2 }), 2), true);
    assert.equal(
      reachedGeneration(doc({ generation: 3, observedGeneration: 2 }), 2),
      false,
      "a later change runs",
    );
    assert.equal(reachedGeneration(doc({ generation: 2, observedGeneration: 1 })), false, "wait NAME");
    assert.equal(reachedGeneration(doc({})), true, "an API from before updates");
    assert.equal(operationNote(doc({ operation: "update", generation: 4 })), " (update to generation 4)");
    assert.equal(operationNote(doc({ operation: "create", generation: 1 })), "");
  });
});
