// ARM path routing: case-insensitive segments, a `{scope*}` catch-all for extension resources.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Router } from "../../../emulators/azure/core/router.js";

const router = new Router();
const ok = () => ({ status: 200 });
router.add(
  { method: "GET", pattern: "/subscriptions/{sub}/resourcegroups/{rg}", handler: ok },
  {
    method: "PUT",
    pattern: "{scope*}/providers/Microsoft.Authorization/roleAssignments/{name}",
    handler: ok,
  },
);

test("segments match case-insensitively and parameters keep their casing", () => {
  const m = router.match("GET", "/Subscriptions/S1/resourceGroups/My-RG");
  assert.ok("route" in m);
  assert.deepEqual(m.params, { sub: "S1", rg: "My-RG" });
});

test("the scope catch-all takes any parent resource id", () => {
  const subnet = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a";
  const m = router.match(
    "PUT",
    `${subnet}/providers/microsoft.authorization/roleassignments/00000000-0000-0000-0000-000000000001`,
  );
  assert.ok("route" in m);
  assert.equal(m.params["scope"], subnet);
  const sub = router.match("PUT", "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/x");
  assert.ok("route" in sub);
  assert.equal(sub.params["scope"], "/subscriptions/s");
});

test("a known path with another method lists the allowed methods; an unknown path none", () => {
  assert.deepEqual(router.match("DELETE", "/subscriptions/s/resourcegroups/rg"), { allowed: ["GET"] });
  assert.deepEqual(router.match("GET", "/nothing/here"), { allowed: [] });
});
