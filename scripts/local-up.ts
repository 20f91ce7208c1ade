// npm run local:up: the `local` stack on a kind cluster, from nothing to checked, in one command.
// Tools first (nothing starts if one is missing), then the cluster, the images, `pulumi up` with a
// local state backend, and the contract, health and smoke checks, with progress and a summary.
import { parsePlatformConfig } from "../infra/config";
import { detectorPorts } from "../infra/detector/component";
import { isStandInImage } from "../policies/kubernetes/no-detector-standin";
import { runCommand, CheckFailedError } from "../src/cli/command";
import { checkContract, contractDoc } from "../src/contract/clauses";
import { png } from "../src/contract/payloads";
import { portForward, type Forward } from "../src/health/port-forward";
import { readStackConfig, repoRoot } from "../src/plan/run";
import { requirePulumi } from "../src/release/pulumi-cli";
import { capture, clusterName, kindConfig, pulumiEnv, requireTools, run, runSteps, stackName, tools, type Step } from "./local-platform";

interface LocalImage {
    image: string;
    /** How the image gets onto the laptop before `kind load`. */
    source: { build: string[] } | "pull";
}

/** The images the local stack runs that the kind node cannot or should not pull itself. */
function localImages(): LocalImage[] {
    const config = parsePlatformConfig(readStackConfig(stackName).values, stackName);
    const detector = config.detector.image;
    return [
        { image: detector, source: isStandInImage(detector) ? { build: ["-t", detector, "images/detector-standin"] } : "pull" },
        { image: config.backups.image, source: { build: ["-f", "images/backup/Dockerfile", "-t", config.backups.image, "."] } },
        // MLflow's upstream image, as `local` runs it (AWS stacks mirror it into ECR): pulled once by docker, not by the node.
        { image: config.mlflow.image, source: "pull" },
    ];
}

runCommand(
    {
        invocation: "npm run --silent local:up --",
        summary:
            "Brings up the local stack on a kind cluster: checks docker, kind, pulumi and kubectl, creates or reuses the kind cluster, builds and loads the images, runs `pulumi up -s local` with its state in .pulumi/, then checks the detector contract, the platform health and a prediction.",
        options: {},
        maxPositionals: 0,
        examples: ["npm run local:up", "npm run local:down"],
        notes: [
            `Cluster: kind "${clusterName}" from scripts/local-kind.yaml (context kind-${clusterName}). State: .pulumi/ in the repository (PULUMI_BACKEND_URL), secrets with the passphrase provider (PULUMI_CONFIG_PASSPHRASE or _FILE if set, else a generated .pulumi/passphrase).`,
            "Exit codes: 0 up and every check passed, 1 a step or check failed (the summary says which), 2 a tool is missing (nothing was started).",
        ],
    },
    async () => {
        requireTools([tools.docker, tools.kind, tools.pulumi, tools.kubectl]);
        // Found is not enough: the npm `pulumi` launcher, for one, cannot start without network.
        requirePulumi();
        const images = localImages();
        const env = pulumiEnv();
        const forwards: Forward[] = [];
        let api: string | undefined;
        let metrics: string | undefined;
        const openForwards = async () => {
            if (api && metrics) return;
            const config = parsePlatformConfig(readStackConfig(stackName).values, stackName);
            const access = { kubectl: ["kubectl"], context: config.kubernetes.context };
            const base = `http://detector.${config.kubernetes.appNamespace}.svc`;
            forwards.push(
                await portForward(access, `${base}:${detectorPorts.http}`),
                await portForward(access, `${base}:${detectorPorts.metrics}/metrics`),
            );
            api = forwards[0]!.url;
            metrics = forwards[1]!.url;
        };
        const steps: Step[] = [
            {
                title: "docker daemon",
                run: async () => `server ${capture("docker", ["version", "--format", "{{.Server.Version}}"]).trim()}`,
            },
            {
                title: `kind cluster ${clusterName}`,
                run: async () => {
                    if (capture("kind", ["get", "clusters"]).split("\n").includes(clusterName)) return "reused";
                    await run("kind", ["create", "cluster", "--name", clusterName, "--config", kindConfig, "--wait", "180s"]);
                    return `created from ${kindConfig.slice(repoRoot.length + 1)}`;
                },
            },
            ...images.map((img): Step => ({
                title: `image ${img.image}`,
                run: async () => {
                    if (img.source === "pull") {
                        await run("docker", ["pull", img.image]);
                        return "pulled";
                    }
                    await run("docker", ["build", ...img.source.build]);
                    return "built";
                },
            })),
            {
                title: "load images into kind",
                run: async () => {
                    await run("kind", ["load", "docker-image", ...images.map((i) => i.image), "--name", clusterName]);
                    return `${images.length} images`;
                },
            },
            {
                title: `pulumi stack ${stackName} (state in .pulumi/)`,
                run: async () => {
                    await run("pulumi", ["stack", "select", stackName, "--create", "--secrets-provider", "passphrase"], { env });
                    return "selected";
                },
            },
            {
                title: `pulumi up -s ${stackName}`,
                run: async () => {
                    await run("pulumi", ["up", "--stack", stackName, "--yes", "--skip-preview"], { env });
                    return "updated (the in-stack smoke check Job passed)";
                },
            },
            {
                title: `detector contract (${contractDoc})`,
                run: async () => {
                    await openForwards();
                    const results = await checkContract({ url: api!, metricsUrl: metrics!, requests: 20, timeoutMs: 10_000 });
                    const failed = results.filter((r) => r.outcome === "FAIL");
                    for (const r of failed) process.stdout.write(`      FAIL ${r.clause}: ${r.evidence}\n`);
                    if (failed.length)
                        throw new CheckFailedError(`${failed.length} clauses failed: ${failed.map((r) => r.clause).join(", ")}`);
                    return `${results.filter((r) => r.outcome === "PASS").length} clauses passed`;
                },
            },
            {
                title: `platform health (npm run health -- ${stackName} --port-forward)`,
                run: async () => {
                    // The health check reads the stack's outputs through the Automation API: same state and passphrase.
                    await run("npm", ["run", "--silent", "health", "--", stackName, "--port-forward"], { env });
                    return "every line passed";
                },
            },
            {
                title: "smoke: a prediction through the detector Service",
                run: async () => {
                    await openForwards();
                    const form = new FormData();
                    form.append("file", new Blob([png(256) as Uint8Array<ArrayBuffer>], { type: "image/png" }), "chest.png");
                    const res = await fetch(`${api}/predict`, { method: "POST", body: form, signal: AbortSignal.timeout(10_000) });
                    const body = await res.text();
                    if (res.status !== 200) throw new CheckFailedError(`POST /predict → ${res.status} ${body.trim()}`);
                    return `POST /predict → 200 ${body.trim()}`;
                },
            },
        ];
        try {
            await runSteps("local:up", steps);
        } finally {
            await Promise.all(forwards.map((f) => f.stop()));
        }
        process.stdout.write(
            `\nlocal stack is up: kubectl --context kind-${clusterName} -n pneumonia get pods; remove it with npm run local:down\n`,
        );
        return 0;
    },
);
