// Without the .NET SDK the infra tests are reported as skipped, each naming what is missing: never a
// silent pass, never a failure that asks for another command. Runs template.test.js in a child test
// runner whose PATH has no dotnet.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const templateTests = fileURLToPath(new URL("./template.test.js", import.meta.url));

const hasDotnet = (dir: string): boolean => {
  try {
    accessSync(path.join(dir, "dotnet"), constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

test("with no dotnet on PATH every template test is skipped with the reason", async () => {
  const PATH = (process.env["PATH"] ?? "")
    .split(path.delimiter)
    .filter((dir) => dir !== "" && !hasDotnet(dir))
    .join(path.delimiter);
  // NODE_TEST_CONTEXT would make the child runner report to this one instead of printing TAP.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--test", "--test-reporter=tap", templateTests],
    { env: { ...env, PATH } },
  );
  const results = stdout.split("\n").filter((line) => /^\s+(not )?ok \d+ - /.test(line));
  assert.ok(results.length >= 10, `the template tests ran: ${results.length} results\n${stdout}`);
  for (const line of results) {
    assert.match(line, /^\s+ok \d+ - .* # SKIP dotnet \(the \.NET SDK\) not on PATH: .*Bicep compiler/, line);
  }
  assert.match(stdout, new RegExp(`^# skipped ${results.length}$`, "m"));
  assert.match(stdout, /^# pass 0$/m);
  assert.match(stdout, /^# fail 0$/m);
});
