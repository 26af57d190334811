// Bad input gets the real API server's answers: Status bodies with the reason, code, message and
// causes kubectl and client-node branch on.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { clusterKey } from "../../../emulators/common/cluster-key.js";
import { registration, kubeConfigFor } from "../../../harness/kube.js";
import { startHarness, httpsRequest } from "./harness.js";

const AKS_AUDIENCE = "6dae42f8-4368-4678-94ff-3960e28e3630";
const NETPOLS = "/apis/networking.k8s.io/v1/namespaces/test/networkpolicies";

function status(code: number, reason: string, message: string, details?: object) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

test("requests without a valid token are 401; the admin token and the issuer's JWTs are accepted", async (t) => {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const issuer = "https://127.0.0.1:7443/tenant/";
  const reg = registration("authz", {
    tokenValidation: { issuer, audience: AKS_AUDIENCE, jwks: { keys: [jwk] } },
  });
  const h = await startHarness(t, {}, reg);
  const sign = (aud: string, iss = issuer) =>
    new SignJWT({ oid: "user-1" })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(iss)
      .setAudience(aud)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);

  const anonymous = await h.request("GET", "/api/v1/namespaces", { token: null });
  assert.equal(anonymous.status, 401);
  assert.deepEqual(anonymous.json(), status(401, "Unauthorized", "Unauthorized"));
  assert.equal((await h.request("GET", "/api/v1/namespaces", { token: "not-the-token" })).status, 401);
  assert.equal(
    (await h.request("GET", "/api/v1/namespaces", { token: await sign("some-other-app") })).status,
    401,
    "wrong audience",
  );
  assert.equal(
    (await h.request("GET", "/api/v1/namespaces", { token: await sign(AKS_AUDIENCE, "https://evil/") }))
      .status,
    401,
    "wrong issuer",
  );
  assert.equal(
    (await h.request("GET", "/version", { token: null })).status,
    200,
    "/version is public as on a real cluster",
  );

  const user = kubeConfigFor(h.server, h.caData, await sign(AKS_AUDIENCE));
  const list = await user.makeApiClient(k8s.CoreV1Api).listNamespace();
  assert.deepEqual(
    list.items.map((n) => n.metadata?.name),
    ["default", "kube-node-lease", "kube-public", "kube-system"],
  );

  // Registration is idempotent: the same key answers the same credentials.
  const again = h.emulator.registerCluster(clusterKey(reg.resourceId), reg);
  assert.equal(again.adminToken, h.token);
  assert.equal(again.server, h.server);
});

test("invalid names, selectors, specs and bodies are rejected with the API server's Status", async (t) => {
  const h = await startHarness(t);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: "test" } } });
  const post = (
    path: string,
    body: unknown,
    headers: Record<string, string> = { "Content-Type": "application/json" },
  ) => h.request("POST", path, { body: typeof body === "string" ? body : JSON.stringify(body), headers });

  // kubectl 1.20 sends `create namespace` without a Content-Type: the body is JSON anyway.
  const noType = await post(
    "/api/v1/namespaces",
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "untyped" } },
    {},
  );
  assert.equal(noType.status, 201);

  const badName = await post("/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "Bad_Name" },
  });
  assert.equal(badName.status, 422);
  const rfc1123 =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
  assert.deepEqual(
    badName.json(),
    status(
      422,
      "Invalid",
      `Namespace "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${rfc1123}`,
      {
        name: "Bad_Name",
        kind: "Namespace",
        causes: [
          {
            reason: "FieldValueInvalid",
            message: `Invalid value: "Bad_Name": ${rfc1123}`,
            field: "metadata.name",
          },
        ],
      },
    ),
  );

  const policy = (spec: unknown, name = "p") => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name },
    spec,
  });
  const badSelector = await post(
    NETPOLS,
    policy({ podSelector: { matchExpressions: [{ key: "app", operator: "In" }] } }),
  );
  assert.equal(badSelector.status, 422);
  assert.deepEqual((badSelector.json()["details"] as { causes: unknown[] }).causes, [
    {
      reason: "FieldValueRequired",
      message: "Required value: must be specified when `operator` is 'In' or 'NotIn'",
      field: "spec.podSelector.matchExpressions[0].values",
    },
  ]);
  const twoPeers = await post(
    NETPOLS,
    policy({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} }] }] }),
  );
  assert.equal(
    twoPeers.json()["message"],
    'NetworkPolicy.networking.k8s.io "p" is invalid: spec.ingress[0].from[0]: Forbidden: may not specify more than 1 peer type',
  );
  const icmp = await post(NETPOLS, policy({ podSelector: {}, ingress: [{ ports: [{ protocol: "ICMP" }] }] }));
  assert.equal(
    icmp.json()["message"],
    'NetworkPolicy.networking.k8s.io "p" is invalid: spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
  );
  const several = await post(
    NETPOLS,
    policy({
      podSelector: {},
      ingress: [{ ports: [{ port: 70000 }] }],
      policyTypes: ["Ingress", "Egress", "Ingress"],
    }),
  );
  assert.equal(
    several.json()["message"],
    'NetworkPolicy.networking.k8s.io "p" is invalid: [spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive, spec.policyTypes: Invalid value: ["Ingress","Egress","Ingress"]: may not specify more than two policyTypes]',
  );

  const boolLabel = await post(
    NETPOLS,
    policy({ podSelector: { matchLabels: { "kubernetes.io/metadata.name": true } } }),
  );
  assert.equal(boolLabel.status, 400);
  assert.equal(
    boolLabel.json()["message"],
    'NetworkPolicy in version "v1" cannot be handled as a NetworkPolicy: json: cannot unmarshal bool into Go struct field LabelSelector.spec.podSelector.matchLabels of type string',
  );

  const listSelector = await h.request("GET", "/api/v1/namespaces/test/pods?labelSelector=app%20in%20webapp");
  assert.equal(listSelector.status, 400);
  assert.deepEqual(
    listSelector.json(),
    status(400, "BadRequest", "unable to parse requirement: found 'webapp', expected: '('"),
  );

  const unknownKind = await h.request("GET", "/apis/networking.k8s.io/v1/namespaces/test/gadgets");
  assert.deepEqual(
    unknownKind.json(),
    status(404, "NotFound", "the server could not find the requested resource", {}),
  );

  const malformed = await post(
    "/api/v1/namespaces",
    '{"apiVersion": "v1", "kind": "Namespace", "metadata": {',
  );
  assert.equal(malformed.status, 400);
  assert.equal(
    malformed.json()["message"],
    "the object provided is unrecognized (must be of type Namespace): couldn't get version/kind; json parse error: unexpected end of JSON input",
  );

  const badYaml = await h.request("PATCH", `${NETPOLS}/p?fieldManager=me`, {
    body: "apiVersion: [unclosed\n  kind: : x",
    headers: { "Content-Type": "application/apply-patch+yaml" },
  });
  assert.equal(badYaml.status, 400);
  assert.equal(badYaml.json()["reason"], "BadRequest");

  const strict = await post(`${NETPOLS}?fieldValidation=Strict`, policy({ podSelector: {}, ingres: [] }));
  assert.deepEqual(
    strict.json(),
    status(400, "BadRequest", 'strict decoding error: unknown field "spec.ingres"'),
  );
  const warned = await post(NETPOLS, policy({ podSelector: {}, ingres: [] }));
  assert.equal(warned.status, 201);
  assert.equal(warned.headers.get("warning"), '299 - "unknown field \\"spec.ingres\\""');
  assert.deepEqual(warned.json()["spec"], { podSelector: {}, policyTypes: ["Ingress"] });

  const missingNs = await post("/api/v1/namespaces/nope/configmaps", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c" },
  });
  assert.deepEqual(
    missingNs.json(),
    status(404, "NotFound", 'namespaces "nope" not found', { name: "nope", kind: "namespaces" }),
  );
  const exists = await post("/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "test" },
  });
  assert.deepEqual(
    exists.json(),
    status(409, "AlreadyExists", 'namespaces "test" already exists', { name: "test", kind: "namespaces" }),
  );
  const notFound = await h.request("GET", `${NETPOLS}/missing`);
  assert.deepEqual(
    notFound.json(),
    status(404, "NotFound", 'networkpolicies.networking.k8s.io "missing" not found', {
      name: "missing",
      group: "networking.k8s.io",
      kind: "networkpolicies",
    }),
  );
});

test("a stale resourceVersion is a 409 Conflict, and patches must use a supported type and shape", async (t) => {
  const h = await startHarness(t);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  const ns = await core.createNamespace({ body: { metadata: { name: "test" } } });
  const stale = ns.metadata!.resourceVersion!;
  await core.patchNamespace(
    { name: "test", body: { metadata: { labels: { a: "1" } } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );

  const conflict = await core
    .replaceNamespace({ name: "test", body: { ...ns, metadata: { ...ns.metadata, labels: { b: "2" } } } })
    .then(
      () => assert.fail("a stale update must fail"),
      (err: k8s.ApiException<string>) => err,
    );
  assert.equal(conflict.code, 409);
  assert.deepEqual(
    JSON.parse(conflict.body),
    status(
      409,
      "Conflict",
      'Operation cannot be fulfilled on namespaces "test": the object has been modified; please apply your changes to the latest version and try again',
      { name: "test", kind: "namespaces" },
    ),
  );
  const labelWithStaleVersion = await h.request("PATCH", "/api/v1/namespaces/test", {
    body: JSON.stringify({ metadata: { labels: { c: "3" }, resourceVersion: stale } }),
    headers: { "Content-Type": "application/merge-patch+json" },
  });
  assert.equal(labelWithStaleVersion.status, 409);

  // client-node's typed patch defaults to application/json-patch+json; a merge-style body is refused.
  const wrongShape = await core
    .patchNamespace({ name: "test", body: { metadata: { labels: { d: "4" } } } })
    .then(
      () => assert.fail("a merge body sent as JSON patch must fail"),
      (err: k8s.ApiException<string>) => err,
    );
  assert.equal(wrongShape.code, 400);
  assert.equal(
    JSON.parse(wrongShape.body).message,
    "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
  );
  const jsonPatched = await core.patchNamespace({
    name: "test",
    body: [{ op: "add", path: "/metadata/labels/d", value: "4" }],
  });
  assert.equal(jsonPatched.metadata?.labels?.["d"], "4");

  const unsupported = await h.request("PATCH", "/api/v1/namespaces/test", {
    body: "{}",
    headers: { "Content-Type": "text/plain" },
  });
  assert.equal(unsupported.status, 415);
  assert.equal(unsupported.json()["reason"], "UnsupportedMediaType");
  const caPem = Buffer.from(h.caData, "base64").toString("utf8");
  const unknownCluster = await httpsRequest(
    h.server.replace(/clusters\/.*/, "clusters/0000/api"),
    "GET",
    caPem,
    h.token,
  );
  assert.equal(unknownCluster.status, 404);
});
