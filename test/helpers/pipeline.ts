// pipelines/azure-pipelines.yml as tests read it, and the server step it had before it authenticated
// through a service connection (kept to show that Azure DevOps refuses it).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { TaskStep } from "../e2e/devops-tasks.js";
import { REPO_ROOT } from "./examples.js";

export interface PipelineStep extends TaskStep {
  name?: string;
  script?: string;
  env?: Record<string, string>;
}
export interface PipelineJob {
  job: string;
  pool?: unknown;
  steps: PipelineStep[];
  variables?: Record<string, string>;
}
export interface Pipeline {
  variables: Record<string, string>;
  stages: { stage: string; jobs: PipelineJob[] }[];
}

export function loadPipeline(): Pipeline {
  return parse(readFileSync(join(REPO_ROOT, "pipelines/azure-pipelines.yml"), "utf8")) as Pipeline;
}

/** The steps of the pipeline's server (agentless) jobs. */
export function serverSteps(p: Pipeline): PipelineStep[] {
  return p.stages.flatMap((s) => s.jobs.filter((j) => j.pool === "server").flatMap((j) => j.steps));
}

/** Client id of the pipeline's service connection app in tests (listed in AKSV_PIPELINE_CALLERS). */
export const PIPELINE_CLIENT_ID = "5e1f0c7a-2b3d-4e5f-8a9b-0c1d2e3f4a5b";

/**
 * The example's server step until it was rewritten: InvokeRESTAPI@1 through a Generic service
 * connection, with the API's bearer token (from an earlier agent job) in a custom Authorization
 * header — which the connection's authorization replaces.
 */
export const TODAYS_SERVER_STEP = parse(`
task: InvokeRESTAPI@1
inputs:
  connectionType: connectedServiceName
  serviceConnection: aks-vending-api
  method: POST
  urlSuffix: /clusters
  headers: |
    {
      "Content-Type": "application/json",
      "Authorization": "Bearer $(apiToken)",
      "PlanUrl": "$(system.CollectionUri)",
      "ProjectId": "$(system.TeamProjectId)",
      "HubName": "$(system.HostType)",
      "PlanId": "$(system.PlanId)",
      "JobId": "$(system.JobId)",
      "TimelineId": "$(system.TimelineId)",
      "TaskInstanceId": "$(system.TaskInstanceId)",
      "AuthToken": "$(system.AccessToken)"
    }
  body: |
    {
      "name": "team-a-$(Build.BuildId)",
      "team": "team-a",
      "location": "westeurope"
    }
  waitForCompletion: true
`) as TaskStep;
