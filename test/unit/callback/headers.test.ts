import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  devopsAuthorization,
  parseCallbackHeaders,
  planEventsUrl,
  taskCompletedEvent,
  timelineRecordsUrl,
  type PipelineCallback,
} from "../../../shared/callback/headers.js";

const ALLOWED = ["dev.azure.com", "*.visualstudio.com"];

const full: PipelineCallback = {
  PlanUrl: "https://dev.azure.com/contoso/",
  ProjectId: "6a5b8c1e-0000-4000-8000-00000000beef",
  HubName: "build",
  PlanId: "4f1a0000-0000-4000-8000-000000000001",
  JobId: "9c2b0000-0000-4000-8000-000000000002",
  TimelineId: "4f1a0000-0000-4000-8000-000000000001",
  TaskInstanceId: "e3d40000-0000-4000-8000-000000000003",
  AuthToken: "eyJ0eXAiOiJKV1QifQ.secret.sig",
};

/** Header lookup as HTTP does it: case-insensitive. */
const headers = (h: Record<string, string>) => (name: string) =>
  Object.entries(h).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

describe("Azure DevOps callback headers", () => {
  it("an ordinary request has none of them", () => {
    assert.deepEqual(parseCallbackHeaders(headers({ "content-type": "application/json" }), ALLOWED), {
      kind: "none",
    });
  });

  it("reads all eight, whatever their case", () => {
    const lower = Object.fromEntries(Object.entries(full).map(([k, v]) => [k.toLowerCase(), v]));
    assert.deepEqual(parseCallbackHeaders(headers(lower), ALLOWED), { kind: "callback", callback: full });
  });

  it("names each missing header when only some are sent", () => {
    const { AuthToken: _a, JobId: _j, ...partial } = full;
    const r = parseCallbackHeaders(headers(partial), ALLOWED);
    assert.equal(r.kind, "invalid");
    assert.deepEqual(r.kind === "invalid" ? r.problems.map((p) => [p.path, p.code]) : [], [
      ["headers.JobId", "MissingCallbackHeader"],
      ["headers.AuthToken", "MissingCallbackHeader"],
    ]);
  });

  it("sends the token only to https Azure DevOps hosts it is allowed to", () => {
    const codes = (planUrl: string) => {
      const r = parseCallbackHeaders(headers({ ...full, PlanUrl: planUrl }), ALLOWED);
      return r.kind === "invalid" ? r.problems.map((p) => p.code) : [];
    };
    assert.deepEqual(codes("https://contoso.visualstudio.com/"), []);
    assert.deepEqual(codes("https://evil.example.com/"), ["CallbackHostNotAllowed"]);
    assert.deepEqual(codes("https://dev.azure.com.evil.example/"), ["CallbackHostNotAllowed"]);
    assert.deepEqual(codes("http://dev.azure.com/contoso/"), ["InvalidCallbackHeader"]);
    assert.deepEqual(codes("not a url"), ["InvalidCallbackHeader"]);
  });

  it("builds the plan events and timeline URLs, the TaskCompleted body and Basic auth with an empty user", () => {
    assert.equal(
      planEventsUrl(full),
      "https://dev.azure.com/contoso/6a5b8c1e-0000-4000-8000-00000000beef/_apis/distributedtask/hubs/build/plans/4f1a0000-0000-4000-8000-000000000001/events?api-version=2.0-preview.1",
    );
    assert.equal(planEventsUrl({ ...full, PlanUrl: "https://dev.azure.com/contoso" }), planEventsUrl(full));
    assert.match(
      timelineRecordsUrl(full),
      /\/plans\/[^/]+\/timelines\/4f1a0000-0000-4000-8000-000000000001\/records\?/,
    );
    assert.deepEqual(taskCompletedEvent(full, "failed"), {
      name: "TaskCompleted",
      taskId: full.TaskInstanceId,
      jobId: full.JobId,
      result: "failed",
    });
    assert.equal(
      Buffer.from(devopsAuthorization(full).replace(/^Basic /, ""), "base64").toString(),
      `:${full.AuthToken}`,
    );
  });
});
