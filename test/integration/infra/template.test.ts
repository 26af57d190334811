// Security properties of the compiled deployment template: infra/main.bicep compiled by the pinned Bicep
// compiler (restored on first use; skipped, with the reason, where the .NET SDK that restores it is
// missing). These read the ARM JSON that Azure would receive, not the Bicep source.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test as nodeTest } from "node:test";
import {
  allResources,
  compileMain,
  compilerMissing,
  literal,
  ofType,
  referencedVariables,
  REPO_ROOT,
  roleDefinitionGuids,
  variable,
  type ArmTemplate,
  type FoundResource,
} from "./arm-template.js";

const ROLE = {
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  roleBasedAccessControlAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
  networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
  aksRbacClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
  aksRbacAdmin: "3498e952-d568-435e-9b2c-8d77e338d7f7",
  aksRbacWriter: "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
  aksRbacReader: "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
  durableTaskDataContributor: "0ad04412-c4d5-4796-b79c-f76d14c8d402",
};

const missing = compilerMissing();
// Where the compiler is missing, every test below is skipped and nothing reads this empty stand-in.
const main: ArmTemplate = missing === undefined ? await compileMain() : { resources: [] };
/** Each test is reported as skipped, with the reason, where the compiler cannot be had. */
// Returns nothing: node:test's runner awaits the test itself (as the lint rule allows for its own `test`).
const test = (name: string, fn: () => void): void => {
  void nodeTest(name, { skip: missing ?? false }, fn);
};
const resources = allResources(main);
const roleAssignments = ofType(resources, "Microsoft.Authorization/roleAssignments");

function single(type: string): FoundResource {
  const found = ofType(resources, type);
  assert.equal(found.length, 1, `exactly one ${type}`);
  return found[0]!;
}

function props(found: FoundResource): Record<string, unknown> {
  return found.resource.properties ?? {};
}

/** The Function App's settings: every object the appsettings union names, resolved to its keys and values. */
function appSettings(): Map<string, string> {
  const config = ofType(resources, "Microsoft.Web/sites/config").find((f) =>
    f.resource.name.includes("appsettings"),
  );
  assert.ok(config, "a Microsoft.Web/sites/config appsettings resource");
  const settings = new Map<string, string>();
  const collect = (template: ArmTemplate, expression: string) => {
    for (const name of referencedVariables(expression)) {
      const value = variable(template, name);
      if (value && typeof value === "object" && !Array.isArray(value)) {
        for (const [key, v] of Object.entries(value)) settings.set(key, String(v));
      }
    }
  };
  const union = String(config.resource.properties);
  collect(config.template, union);
  // parameters('appConfiguration') comes from main: the module's parameter expression names main's variables.
  assert.match(union, /parameters\('appConfiguration'\)/);
  const module = ofType(resources, "Microsoft.Resources/deployments").find((f) =>
    JSON.stringify(f.resource.properties?.["parameters"] ?? {}).includes("appConfiguration"),
  );
  assert.ok(module, "the function-app module gets appConfiguration");
  const parameters = module.resource.properties?.["parameters"] as Record<string, { value: unknown }>;
  collect(module.template, String(parameters["appConfiguration"]?.value));
  return settings;
}

describe("compiled infra template", () => {
  test("storage accounts refuse shared keys and anonymous blobs, and require TLS 1.2", () => {
    const accounts = ofType(resources, "Microsoft.Storage/storageAccounts");
    assert.ok(accounts.length >= 1);
    for (const account of accounts) {
      assert.equal(props(account)["allowSharedKeyAccess"], false);
      assert.equal(props(account)["allowBlobPublicAccess"], false);
      assert.equal(props(account)["minimumTlsVersion"], "TLS1_2");
    }
  });

  test("the app runs on the Flex Consumption plan (FC1), Node 22, as its user-assigned identity", () => {
    const plan = single("Microsoft.Web/serverfarms");
    assert.deepEqual(plan.resource.sku, { name: "FC1", tier: "FlexConsumption" });
    assert.equal(props(plan)["reserved"], true);

    const site = single("Microsoft.Web/sites");
    assert.equal(site.resource.kind, "functionapp,linux");
    assert.equal(site.resource.identity?.["type"], "UserAssigned");
    const config = props(site)["functionAppConfig"] as {
      runtime: { name: string; version: string };
      deployment: { storage: { type: string; authentication: { type: string } } };
    };
    assert.deepEqual(config.runtime, { name: "node", version: "22" });
    assert.equal(config.deployment.storage.type, "blobContainer");
    assert.equal(config.deployment.storage.authentication.type, "UserAssignedIdentity");
    assert.equal(props(site)["httpsOnly"], true);
  });

  test("CORS for portals comes from the corsAllowedOrigins parameter, without credentials", () => {
    const site = single("Microsoft.Web/sites");
    const cors = (
      props(site)["siteConfig"] as { cors?: { allowedOrigins: unknown; supportCredentials: unknown } }
    ).cors;
    assert.ok(cors, "siteConfig.cors is set");
    assert.equal(cors.supportCredentials, false);
    assert.match(String(cors.allowedOrigins), /corsAllowedOrigins/);
    assert.ok(main.parameters?.["corsAllowedOrigins"], "main.bicep has a corsAllowedOrigins parameter");
    const params = JSON.parse(readFileSync(path.join(REPO_ROOT, "infra/main.parameters.json"), "utf8")) as {
      parameters: Record<string, { value: string }>;
    };
    assert.equal(params.parameters["corsAllowedOrigins"]?.value, "${AKSV_CORS_ALLOWED_ORIGINS=}");
  });

  test("publishing with basic (password) credentials is disabled for ftp and scm", () => {
    const policies = ofType(resources, "Microsoft.Web/sites/basicPublishingCredentialsPolicies");
    const names = policies.map((p) => p.resource.name).join(" ");
    assert.match(names, /'ftp'|\/ftp/);
    assert.match(names, /'scm'|\/scm/);
    for (const policy of policies) assert.equal(props(policy)["allow"], false);
  });

  test("Application Insights accepts only Entra-authenticated telemetry and sends it to Log Analytics", () => {
    const component = single("Microsoft.Insights/components");
    assert.equal(props(component)["DisableLocalAuth"], true);
    assert.match(
      String(props(component)["WorkspaceResourceId"]),
      /Microsoft\.OperationalInsights\/workspaces/,
    );
    const settings = appSettings();
    assert.match(settings.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING") ?? "", /Authorization=AAD/);
  });

  test("every role assignment names its principalType and has a deterministic guid() name", () => {
    assert.ok(roleAssignments.length >= 7, `found ${roleAssignments.length} role assignments`);
    for (const assignment of roleAssignments) {
      const where = `${assignment.module}: ${assignment.resource.name}`;
      assert.equal(props(assignment)["principalType"], "ServicePrincipal", where);
      assert.match(assignment.resource.name, /^\[guid\(/, where);
      assert.match(assignment.resource.name, /parameters\('principalId'\)/, where);
      assert.doesNotMatch(assignment.resource.name, /newGuid|utcNow/, where);
    }
  });

  test("the app identity gets its storage, queue, table, monitoring and Durable Task roles", () => {
    const assigned = new Set(roleAssignments.flatMap(roleDefinitionGuids));
    for (const role of [
      ROLE.storageBlobDataOwner,
      ROLE.storageQueueDataContributor,
      ROLE.storageTableDataContributor,
      ROLE.monitoringMetricsPublisher,
      ROLE.durableTaskDataContributor,
    ]) {
      assert.ok(assigned.has(role), `role ${role} assigned`);
    }
  });

  test("provisioning rights are Contributor plus a conditional RBAC Administrator, never Owner or User Access Administrator", () => {
    const assigned = roleAssignments.flatMap(roleDefinitionGuids);
    assert.ok(assigned.includes(ROLE.contributor));
    assert.ok(assigned.includes(ROLE.roleBasedAccessControlAdministrator));
    assert.ok(!assigned.includes(ROLE.owner), "no Owner");
    assert.ok(!assigned.includes(ROLE.userAccessAdministrator), "no User Access Administrator");
    const allowed = new Set(
      Object.values(ROLE).filter((r) => r !== ROLE.owner && r !== ROLE.userAccessAdministrator),
    );
    for (const role of assigned) assert.ok(allowed.has(role), `unexpected role ${role}`);
  });

  test("every RBAC Administrator assignment carries the ABAC condition: Network Contributor to service principals, the four AKS RBAC roles to users, groups and service principals", () => {
    const administrators = roleAssignments.filter((a) =>
      roleDefinitionGuids(a).includes(ROLE.roleBasedAccessControlAdministrator),
    );
    assert.equal(administrators.length, 2, "subscription scope and resource-group scope variants");
    const aksRoles = [ROLE.aksRbacClusterAdmin, ROLE.aksRbacAdmin, ROLE.aksRbacWriter, ROLE.aksRbacReader];
    for (const assignment of administrators) {
      assert.equal(props(assignment)["conditionVersion"], "2.0");
      const condition = literal(props(assignment)["condition"], assignment.template);
      for (const [source, action] of [
        ["Request", "write"],
        ["Resource", "delete"],
      ] as const) {
        const attr = (name: string) => `@${source}[Microsoft.Authorization/roleAssignments:${name}]`;
        // Each action's clause: not that action, or one of the two allowed (roles, principal types) pairs.
        assert.ok(
          condition.includes(
            `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/${action}'})) OR ` +
              `(${attr("RoleDefinitionId")} ForAnyOfAnyValues:GuidEquals {${ROLE.networkContributor}} AND ` +
              `${attr("PrincipalType")} ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}) OR ` +
              `(${attr("RoleDefinitionId")} ForAnyOfAnyValues:GuidEquals {${aksRoles.join(", ")}} AND ` +
              `${attr("PrincipalType")} ForAnyOfAnyValues:StringEqualsIgnoreCase {'User', 'Group', 'ServicePrincipal'}))`,
          ),
          `${action}: Network Contributor to service principals only, AKS RBAC roles to users, groups and service principals`,
        );
      }
      const guids = new Set(
        condition.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi),
      );
      assert.deepEqual(
        [...guids].sort(),
        [ROLE.networkContributor, ...aksRoles].sort(),
        "no other role can be assigned (never Owner or User Access Administrator)",
      );
    }
  });

  test("storage is reached with the managed identity: no key, SAS or plain connection string in the settings", () => {
    const settings = appSettings();
    assert.equal(settings.get("AzureWebJobsStorage__credential"), "managedidentity");
    for (const key of ["clientId", "blobServiceUri", "queueServiceUri", "tableServiceUri"]) {
      assert.ok(settings.has(`AzureWebJobsStorage__${key}`), `AzureWebJobsStorage__${key}`);
    }
    assert.ok(!settings.has("AzureWebJobsStorage"), "no AzureWebJobsStorage connection string");
    assert.ok(!settings.has("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"));
    for (const [key, value] of settings) {
      assert.doesNotMatch(key, /key|secret|password|sas/i, key);
      assert.doesNotMatch(value, /AccountKey=|SharedAccessSignature|sig=|list\w*\(/i, key);
    }
    assert.match(
      settings.get("DURABLE_TASK_SCHEDULER_CONNECTION_STRING") ?? "",
      /Authentication=ManagedIdentity/,
    );
    // Flex Consumption sets the worker runtime from functionAppConfig and rejects these settings.
    assert.ok(!settings.has("FUNCTIONS_WORKER_RUNTIME"));
    assert.ok(!settings.has("FUNCTIONS_EXTENSION_VERSION"));
    // The worker's old generation is capped as locally (emulators/stack.ts WORKER_NODE_OPTIONS).
    assert.match(settings.get("NODE_OPTIONS") ?? "", /--max-old-space-size=\d+/);
    assert.doesNotMatch(JSON.stringify(main), /listKeys|listAccountSas|listServiceSas/);
  });

  test("the app is told its issuer, audience, subscription, location and team mapping, each documented in the README", () => {
    const settings = appSettings();
    for (const key of [
      "AKSV_AUTH_ISSUER",
      "AKSV_AUTH_AUDIENCE",
      "AKSV_TARGET_SUBSCRIPTION_ID",
      "AKSV_DEFAULT_LOCATION",
      "AKSV_TEAM_MAP",
      "AZURE_CLIENT_ID",
    ]) {
      assert.ok(settings.has(key), key);
    }
    const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    for (const key of settings.keys()) {
      if (key.startsWith("AKSV_"))
        assert.ok(readme.includes(`| \`${key}\``), `${key} in the README's configuration table`);
    }
  });

  test("Azure DevOps callbacks: the app gets its account's table endpoint and table, and may write that table", () => {
    const settings = appSettings();
    assert.match(settings.get("AKSV_CALLBACK_TABLE_URL") ?? "", /storageEndpoints'\)\.table/);
    assert.match(settings.get("AKSV_CALLBACK_TABLE") ?? "", /callbackTableName/);
    const tables = ofType(resources, "Microsoft.Storage/storageAccounts/tableServices/tables");
    assert.equal(tables.length, 1, "one callbacks table");
    // The assignment scoped to the storage account (`scope` is an ARM property of the resource).
    const onStorage = roleAssignments.filter((a) =>
      JSON.stringify((a.resource as { scope?: unknown }).scope ?? "").includes(
        "Microsoft.Storage/storageAccounts",
      ),
    );
    assert.ok(
      onStorage.some((a) => roleDefinitionGuids(a).includes(ROLE.storageTableDataContributor)),
      "Storage Table Data Contributor on the storage account",
    );
  });

  test("infra/main.parameters.json names only parameters of the template and gives every required one", () => {
    const file = JSON.parse(readFileSync(path.join(REPO_ROOT, "infra", "main.parameters.json"), "utf8")) as {
      parameters: Record<string, { value: unknown }>;
    };
    const declared = (main.parameters ?? {}) as Record<string, { defaultValue?: unknown }>;
    for (const name of Object.keys(file.parameters))
      assert.ok(name in declared, `${name} declared in main.bicep`);
    for (const [name, declaration] of Object.entries(declared)) {
      if (!("defaultValue" in declaration)) assert.ok(name in file.parameters, `required ${name} given`);
    }
  });

  test("outputs give the API base URL and the identity's ids", () => {
    const outputs = main.outputs ?? {};
    assert.match(String(outputs["API_BASE_URL"]?.value), /^\[format\('https:\/\/\{0\}\/api'/);
    for (const name of ["APP_IDENTITY_RESOURCE_ID", "APP_IDENTITY_CLIENT_ID", "APP_IDENTITY_PRINCIPAL_ID"]) {
      assert.ok(outputs[name], name);
    }
  });
});
