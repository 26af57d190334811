// The local stack for the CLI tests, in its own process so that NODE_EXTRA_CA_CERTS (the emulators'
// CA, which the app must trust) is in place when Node starts. Prints {"api", "issuer",
// "identityEndpoint", "identityHeader"} once ready and stops the stack when its standard input closes.
// The managedCluster named <failingCluster> ends Failed with QuotaExceeded (fault injection).
// Usage: node dist/test/integration/cli/stack-child.js <stateDir> <failingCluster>
import { startStack } from "../../../harness/stack.js";

const [stateDir, failingCluster] = process.argv.slice(2);
if (!stateDir || !failingCluster) throw new Error("usage: stack-child.js <stateDir> <failingCluster>");

const stack = await startStack({
  stateDir,
  timeScale: 0.01,
  faults: {
    rules: [
      {
        kind: "provisioningFailure",
        resourceType: "Microsoft.ContainerService/managedClusters",
        path: `/managedClusters/${failingCluster}$`,
        code: "QuotaExceeded",
        message:
          "Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota",
      },
    ],
  },
});
const { issuer, identityEndpoint, identityHeader } = stack.azure;
process.stdout.write(`${JSON.stringify({ api: stack.api, issuer, identityEndpoint, identityHeader })}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  void stack.stop().then(() => process.exit(0));
});
