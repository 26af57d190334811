import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accessReport, planAccessChecks, reviewSpec } from "../../../shared/provision/access-checks.js";
import type { AccessGrant } from "../../../shared/spec/access.js";

const GROUP = "11111111-1111-4111-8111-111111111111";
const USER = "22222222-2222-4222-8222-222222222222";

const row = (c: ReturnType<typeof planAccessChecks>[number]) =>
  `${c.principalId.slice(0, 2)} ${c.result.action} in ${c.namespace}: ${c.result.expected}`;

describe("planAccessChecks", () => {
  it("checks what each role allows in its namespaces, the next action up, and the same outside them", () => {
    const grants: AccessGrant[] = [
      {
        principalId: GROUP,
        principalType: "Group",
        role: "writer",
        namespaces: ["a", "b"],
        subject: "team t",
      },
      {
        principalId: USER,
        principalType: "User",
        role: "reader",
        namespaces: ["a"],
        subject: `principal ${USER}`,
      },
    ];
    assert.deepEqual(planAccessChecks(grants).map(row), [
      "11 create pods in a: allowed",
      "11 create rolebindings.rbac.authorization.k8s.io in a: denied",
      "11 create pods in b: allowed",
      "11 create rolebindings.rbac.authorization.k8s.io in b: denied",
      "11 create pods in kube-system: denied",
      "22 get pods in a: allowed",
      "22 delete pods in a: denied",
      "22 get pods in kube-system: denied",
    ]);
  });

  it("expects what the principal's grants allow together (reader here, writer at the cluster)", () => {
    const grants: AccessGrant[] = [
      { principalId: USER, principalType: "User", role: "reader", namespaces: ["a"], subject: "u" },
      { principalId: USER, principalType: "User", role: "writer", subject: "u" },
      { principalId: GROUP, principalType: "Group", role: "admin", namespaces: ["a"], subject: "g" },
    ];
    assert.deepEqual(planAccessChecks(grants).map(row), [
      "22 get pods in a: allowed",
      // Writer at the cluster lets it delete pods in a as well.
      "22 delete pods in a: allowed",
      "22 get pods in kube-system: allowed",
      "22 create pods in kube-system: allowed",
      "22 create rolebindings.rbac.authorization.k8s.io in kube-system: denied",
      "11 create rolebindings.rbac.authorization.k8s.io in a: allowed",
      "11 create rolebindings.rbac.authorization.k8s.io in kube-system: denied",
    ]);
  });

  it("asks about a group by its group and about a user or service principal by its user", () => {
    const [g, u] = planAccessChecks([
      { principalId: GROUP, principalType: "Group", role: "admin", subject: "g" },
      {
        principalId: USER,
        principalType: "ServicePrincipal",
        role: "reader",
        namespaces: ["x"],
        subject: "u",
      },
    ]);
    assert.deepEqual(reviewSpec(g!), {
      groups: [GROUP],
      resourceAttributes: {
        namespace: "kube-system",
        verb: "create",
        group: "rbac.authorization.k8s.io",
        resource: "rolebindings",
      },
    });
    assert.deepEqual(reviewSpec(u!), {
      user: USER,
      resourceAttributes: { namespace: "x", verb: "get", group: "", resource: "pods" },
    });
  });

  it("reports a check never answered as unknown", () => {
    const plan = planAccessChecks([
      { principalId: USER, principalType: "User", role: "admin", namespaces: ["x"], subject: "u" },
    ]);
    assert.deepEqual(
      accessReport(plan, ["allowed"]).map((r) => r.observed),
      ["allowed", "unknown"],
    );
  });
});
