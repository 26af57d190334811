// The durableClient binding payload and management URLs (EXT: BindingHelper.cs, HttpApiHandler.cs), as
// durable-functions' DurableClient reads them.

export const WEBHOOK_PATH = "/runtime/webhooks/durabletask";
/** The extension's local RPC listener lives on its own port; here it shares the host's port. */
export const RPC_PATH = "/durabletask/";

export interface ManagementUrls {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  rewindPostUri: string;
  purgeHistoryDeleteUri: string;
  restartPostUri: string;
  suspendPostUri: string;
  resumePostUri: string;
}

export function managementUrls(
  origin: string,
  hubName: string,
  systemKey: string,
  instanceId: string,
): ManagementUrls {
  const instance = `${origin}${WEBHOOK_PATH}/instances/${encodeURIComponent(instanceId)}`;
  const qs = `taskHub=${encodeURIComponent(hubName)}&connection=Storage&code=${encodeURIComponent(systemKey)}`;
  return {
    id: instanceId,
    statusQueryGetUri: `${instance}?${qs}`,
    sendEventPostUri: `${instance}/raiseEvent/{eventName}?${qs}`,
    terminatePostUri: `${instance}/terminate?reason={text}&${qs}`,
    rewindPostUri: `${instance}/rewind?reason={text}&${qs}`,
    purgeHistoryDeleteUri: `${instance}?${qs}`,
    restartPostUri: `${instance}/restart?${qs}`,
    suspendPostUri: `${instance}/suspend?reason={text}&${qs}`,
    resumePostUri: `${instance}/resume?reason={text}&${qs}`,
  };
}

/** The body of a check-status response (CreateCheckStatusResponse): every link except rewind. */
export function checkStatusBody(urls: ManagementUrls): Omit<ManagementUrls, "rewindPostUri"> {
  const { rewindPostUri: _rewind, ...rest } = urls;
  return rest;
}

export function durableClientBindingData(origin: string, hubName: string, systemKey: string): object {
  const base = `${origin}${WEBHOOK_PATH}`;
  const code = `code=${encodeURIComponent(systemKey)}`;
  const links = managementUrls(origin, hubName, systemKey, "INSTANCEID");
  return {
    taskHubName: hubName,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${code}`,
      createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${code}`,
    },
    managementUrls: { ...links, id: "INSTANCEID" },
    baseUrl: base,
    requiredQueryStringParameters: code,
    rpcBaseUrl: `${origin}${RPC_PATH}`,
  };
}
