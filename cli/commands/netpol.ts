// `aks-vending netpol …`: evaluate, explain and tabulate NetworkPolicy reachability offline, from a
// scenario document (shared/netpol/scenario.ts). Invalid input exits 2 with an ARM-style error.
import { InvalidArgumentError, type Command } from "commander";
import {
  NetpolInputError,
  renderMatrix,
  type CompileOptions,
  type Protocol,
} from "../../shared/netpol/index.js";
import { endpointFromText, loadScenario, runProbes, type Scenario } from "../../shared/netpol/scenario.js";
import { readDocument } from "../io.js";
import { EXIT_INVALID } from "./spec.js";

interface CommonOptions {
  file: string;
  ipblockPods: boolean;
  loopback: "allow" | "evaluate";
}

async function load(options: CommonOptions): Promise<Scenario> {
  const doc = await readDocument(options.file);
  if (!doc.ok) throw new NetpolInputError([doc.problem]);
  const compileOptions: CompileOptions = {
    ipBlockMatchesPods: options.ipblockPods,
    loopback: options.loopback,
  };
  return loadScenario(doc.value, compileOptions);
}

/** Runs a command body; input problems print the ARM error on stdout and exit 2. */
async function guarded(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (!(e instanceof NetpolInputError)) throw e;
    process.stdout.write(`${JSON.stringify(e.toArmError(), null, 2)}\n`);
    process.exitCode = EXIT_INVALID;
  }
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError("a port is 1-65535");
  return n;
}

function parseProtocol(value: string): Protocol {
  const upper = value.toUpperCase();
  if (upper !== "TCP" && upper !== "UDP" && upper !== "SCTP")
    throw new InvalidArgumentError("TCP, UDP or SCTP");
  return upper;
}

function parseLoopback(value: string): "allow" | "evaluate" {
  if (value !== "allow" && value !== "evaluate") throw new InvalidArgumentError("allow or evaluate");
  return value;
}

function withCommonOptions(cmd: Command): Command {
  return cmd
    .requiredOption("-f, --file <file>", "the scenario document (JSON or YAML), or - for standard input")
    .option("--no-ipblock-pods", "ipBlock peers never match pod IPs (Cilium's behaviour)")
    .option(
      "--loopback <mode>",
      "pod → itself: allow (a pod cannot block access to itself) or evaluate like any pair",
      parseLoopback,
      "allow",
    );
}

export function registerNetpolCommands(program: Command): void {
  const netpol = program
    .command("netpol")
    .description("Decide, explain and tabulate NetworkPolicy reachability before anything is deployed");

  withCommonOptions(
    netpol
      .command("evaluate")
      .description(
        "Evaluate the document's probes (default: every pod to every pod on each declared port); prints JSON",
      ),
  ).action((options: CommonOptions) =>
    guarded(async () => {
      const scenario = await load(options);
      process.stdout.write(`${JSON.stringify({ probes: runProbes(scenario) }, null, 2)}\n`);
    }),
  );

  withCommonOptions(
    netpol.command("explain").description("Explain one connection: policies, rules and peers"),
  )
    .requiredOption("--from <endpoint>", 'source: "namespace/pod" or an IP address')
    .requiredOption("--to <endpoint>", 'destination: "namespace/pod" or an IP address')
    .requiredOption("--port <port>", "destination port", parsePort)
    .option("--protocol <protocol>", "TCP, UDP or SCTP", parseProtocol, "TCP")
    .option("--json", "print the verdict as JSON instead")
    .action(
      (
        options: CommonOptions & {
          from: string;
          to: string;
          port: number;
          protocol: Protocol;
          json?: boolean;
        },
      ) =>
        guarded(async () => {
          const { cluster } = await load(options);
          const query = {
            from: endpointFromText(options.from),
            to: endpointFromText(options.to),
            port: options.port,
            protocol: options.protocol,
          };
          process.stdout.write(
            options.json
              ? `${JSON.stringify(cluster.evaluate(query), null, 2)}\n`
              : `${cluster.explain(query)}\n`,
          );
        }),
    );

  withCommonOptions(
    netpol
      .command("matrix")
      .description("Print the reachability table, pods as rows (from) and columns (to), per port"),
  )
    .option(
      "--port <port>",
      "one port (default: every port/protocol a pod declares; 80/TCP if none)",
      parsePort,
    )
    .option("--protocol <protocol>", "with --port: TCP, UDP or SCTP", parseProtocol, "TCP")
    .option("--json", "print { port, protocol, pods, allowed: [[…]] } per table instead")
    .action((options: CommonOptions & { port?: number; protocol: Protocol; json?: boolean }) =>
      guarded(async () => {
        const scenario = await load(options);
        const ports =
          options.port !== undefined
            ? [{ port: options.port, protocol: options.protocol }]
            : scenario.declaredPorts.length > 0
              ? scenario.declaredPorts
              : [{ port: 80, protocol: "TCP" as const }];
        const tables = ports.map((p) => scenario.cluster.matrix(p.port, p.protocol));
        if (options.json) {
          const out = tables.map((m) => ({
            port: m.port,
            protocol: m.protocol,
            pods: m.pods,
            allowed: m.pods.map((_, i) => m.pods.map((__, j) => m.allowed(i, j))),
          }));
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        } else process.stdout.write(`${tables.map(renderMatrix).join("\n\n")}\n`);
      }),
    );
}
