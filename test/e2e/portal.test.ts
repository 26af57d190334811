// The portal in a real browser (Debian's Chromium driven by playwright-core) on the whole local
// stack: sign in on the Azure emulator's page (authorization code + PKCE through MSAL.js), see the
// API's validation problems at their fields, create the tutorial, follow it to Succeeded, read the
// reachability matrix before and after verification, download the kubeconfig, delete.
// Screenshots go to .local/test-artifacts/portal/; with AKSV_UPDATE_SCREENSHOTS=1 the two shown in
// the README are written to docs/ as well.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { chromium, type Page } from "playwright-core";
import { ROOT, startStack } from "../../harness/stack.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(ROOT, ".local", "test-artifacts", "portal");
const NAME = "tipsAndTricksAKSCluster";

async function shot(
  page: Page,
  file: string,
  docsName?: string,
  target = page.locator("body"),
): Promise<void> {
  const path = join(ARTIFACTS, file);
  await target.screenshot({ path });
  if (docsName && process.env["AKSV_UPDATE_SCREENSHOTS"] === "1")
    await copyFile(path, join(ROOT, "docs", docsName));
}

test("portal: sign in, create the tutorial, follow it to Succeeded, read the matrix, download the kubeconfig, delete", async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`chromium not found at ${CHROMIUM}: apt-get install chromium`);
    return;
  }
  await mkdir(ARTIFACTS, { recursive: true });
  const stateDir = await mkdtemp(join(tmpdir(), "aksv-portal-"));
  const profile = await mkdtemp(join(tmpdir(), "aksv-chromium-"));
  // 0.02: the tutorial's 6-minute AKS create takes about 7 s, long enough to see it running.
  const stack = await startStack({ stateDir, timeScale: 0.02 });
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    // The Azure emulator's sign-in page is served with the local CA's certificate.
    ignoreHTTPSErrors: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  try {
    const portal = `${stack.host.url}/api/portal/`;

    // Sign in: the portal sends the browser to the emulator's authorize page (PKCE), back with a code.
    await page.goto(portal);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => u.pathname.endsWith("/oauth2/v2.0/authorize"));
    assert.match(page.url(), /code_challenge_method=S256/);
    await page.getByLabel("User name").fill("alice");
    await page.getByLabel("Team").fill("platform");
    await page.getByLabel("App role").selectOption("Clusters.Write");
    await shot(page, "01-sign-in.png");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Signed in as").waitFor();
    assert.match(await page.locator(".user").innerText(), /alice/);
    await page.getByRole("heading", { name: "Your clusters" }).waitFor();

    // The form: an invalid name comes back from the API's validation, shown at the name field.
    await page.getByRole("link", { name: "New cluster" }).first().click();
    await page.locator("#f-name").fill("not a valid name!");
    await page.locator("#f-team").fill("platform");
    await page.getByRole("button", { name: "Create cluster" }).click();
    const nameError = page.locator('[data-field="name"] ul.error');
    await nameError.waitFor();
    assert.match(await nameError.innerText(), /name/);
    assert.equal(await page.locator("#f-name").getAttribute("aria-invalid"), "true");

    // The tutorial's request, pasted as JSON: the matrix is drawn before anything is sent.
    const tutorial = await readFile(join(ROOT, "examples", "seed-tutorial.json"), "utf8");
    await page.getByText("Request as JSON").click();
    await page.locator("#spec-json").fill(tutorial);
    await page.getByRole("button", { name: "Apply JSON" }).click();
    assert.equal(await page.locator("#f-name").inputValue(), NAME);
    const frontend = "probe test{app=webapp,role=frontend}";
    const anyPod = "probe test{}";
    const allowedCell = page
      .getByRole("button", { name: `${frontend} to test/backend port 80/TCP: allowed` })
      .first();
    const deniedCell = page
      .getByRole("button", { name: `${anyPod} to test/backend port 80/TCP: denied` })
      .first();
    await allowedCell.waitFor();
    await deniedCell.waitFor();
    await deniedCell.focus();
    const explanation = page.locator("#preview-explanation");
    assert.match(await explanation.innerText(), /backend-policy/);
    assert.match(await explanation.innerText(), /denied/);
    await shot(page, "02-create-matrix.png");

    await page.getByRole("button", { name: "Create cluster" }).click();
    await page.waitForURL((u) => u.hash === `#/clusters/${NAME}`);

    // The list while the create runs: phase, current step, weighted progress.
    await page.getByRole("link", { name: "Clusters", exact: true }).click();
    const row = page.locator(`tr[data-cluster="${NAME}"]`);
    await row.waitFor();
    // Caught during the AKS create, the step that dominates the weighted progress.
    await row.locator("td", { hasText: /^cluster$/ }).waitFor();
    await shot(page, "03-list-running.png", "portal-clusters.png");

    // The cluster page follows the run to Succeeded, with the verification drawn on the matrix.
    await row.getByRole("link", { name: NAME }).click();
    await page.locator('[data-phase="Succeeded"]').waitFor({ timeout: 120_000 });
    assert.equal(await page.locator("[data-verification]").getAttribute("data-verification"), "passed");
    assert.match(await page.locator("#progress-text").innerText(), /^100 %/);
    const verified = page.locator("#verified-explanation").locator("..");
    const probed = verified.locator("td.probed button");
    assert.equal(await probed.count(), 2, "both expectations' probes are on the matrix");
    assert.equal(await verified.locator("td.mismatch").count(), 0);
    const observedAllowed = verified.getByRole("button", {
      name: `${frontend} to test/backend port 80/TCP: allowed, probe observed allowed`,
    });
    await observedAllowed.hover();
    assert.match(await page.locator("#verified-explanation").innerText(), /the probe observed allowed/);
    for (const step of ["resourceGroup", "cluster", "seed:test", "verification"])
      assert.equal(await page.locator(`tr[data-step="${step}"] td`).first().innerText(), "Succeeded", step);
    // No fault was injected: the create was polled, never retried, and the Retries column says so.
    const retries = await page.locator("table.steps tbody tr td:nth-child(5)").allInnerTexts();
    assert.deepEqual(
      retries.filter((r) => r.trim() !== ""),
      [],
      "no step shows retries",
    );
    await shot(page, "04-cluster-succeeded.png");
    // For the picture, a probed cell's explanation by focus with the pointer off the matrix: the
    // element screenshot scrolls, and a cell coming under the pointer would take the explanation over.
    await page.mouse.move(0, 0);
    await observedAllowed.focus();
    assert.match(await page.locator("#verified-explanation").innerText(), /the probe observed allowed/);
    await shot(page, "05-matrix-verified.png", "portal-matrix.png", verified);

    // The kubeconfig, as a download.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download kubeconfig" }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `${NAME}.kubeconfig.yaml`);
    const kubeconfig = await readFile((await download.path())!, "utf8");
    assert.match(kubeconfig, /kind: Config/);
    assert.match(kubeconfig, /clusters:/);

    // Delete, after confirming.
    await page.getByRole("button", { name: "Delete cluster" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await dialog.getByRole("button", { name: `Delete ${NAME}` }).click();
    await page.locator('[data-phase="Deleted"]').waitFor({ timeout: 120_000 });
    // The deletion's own timeline; how the create ended is one line apart.
    const shown = await page
      .locator("table.steps tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-step")));
    assert.deepEqual(
      shown,
      ["cluster", "roleAssignment", "identity", "virtualNetwork", "resourceGroup"].map((k) => `delete:${k}`),
    );
    await page.locator('[data-provisioning="Succeeded"]').waitFor();
    assert.equal(await page.locator("[data-verification], #verified-explanation").count(), 0);
    await shot(page, "06-deleted.png");

    // The list leaves Deleted clusters out, as the API does, unless asked for (all=true).
    await page.getByRole("link", { name: "Clusters", exact: true }).click();
    await page.getByText("No clusters yet.").waitFor();
    await page.getByLabel("Show deleted clusters too").check();
    await row.locator(".phase", { hasText: "Deleted" }).waitFor();

    // The API reference: Swagger UI from this origin on the app's own OpenAPI document, under a CSP.
    const docs = await page.goto(`${stack.host.url}/api/docs/`);
    assert.match(String(docs?.headers()["content-security-policy"]), /script-src 'self'/);
    await page.locator(".swagger-ui .info .title").waitFor();
    assert.match(await page.locator(".swagger-ui .info .title").innerText(), /aks-vending/i);
    await page.getByText("/clusters/{name}/kubeconfig").first().waitFor();
    await shot(page, "07-api-reference.png");
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  }
});
