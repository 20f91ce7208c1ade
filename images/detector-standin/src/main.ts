// The detector stand-in: a small server that honours the detector contract (docs/detector-contract.md)
// with a pseudo-prediction, so the platform can run and be tested without the ML team's image.
// Every answer says `"stand_in": true`, and model_info carries stand_in="true".
// Run: node images/detector-standin/src/main.ts (Node 24 runs TypeScript by stripping types).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { adminServer, faultsFromEnv, FaultState } from "./faults.ts";
import { Counter, expositionContentType, Gauge, Histogram, Registry } from "./metrics.ts";
import { pseudoPrediction, readImage, type Answer } from "./predict.ts";
import { ResourceMeter } from "./resources.ts";

export const standInVersion = "0.1.0";

interface Settings {
    host: string;
    port: number;
    metricsPort: number;
    adminPort: number;
    modelVersion: string;
    modelLoadSeconds: number;
    inferenceMs: number;
    shutdownGraceSeconds: number;
    memoryLimitMiB?: number;
}

function settingsFromEnv(env: NodeJS.ProcessEnv): Settings {
    const num = (name: string, fallback: number, max: number): number => {
        const raw = env[name];
        if (raw === undefined || raw === "") return fallback;
        const n = Number(raw);
        if (!Number.isFinite(n) || n < 0 || n > max) throw new Error(`${name}: expected a number from 0 to ${max}, got "${raw}"`);
        return n;
    };
    const port = (name: string, fallback: number) => {
        const n = num(name, fallback, 65535);
        if (!Number.isInteger(n)) throw new Error(`${name}: expected a port number, got "${env[name]}"`);
        return n;
    };
    return {
        // Tests bind 127.0.0.1; in a pod the Service and Prometheus reach the pod IP.
        host: env.HOST || "0.0.0.0",
        port: port("PORT", 8000),
        metricsPort: port("METRICS_PORT", 9090),
        adminPort: port("ADMIN_PORT", 8081),
        modelVersion: env.MODEL_VERSION || `stand-in-${standInVersion}`,
        modelLoadSeconds: num("MODEL_LOAD_SECONDS", 3, 3600),
        inferenceMs: num("INFERENCE_MS", 20, 60_000),
        // Below the pod's 30 s termination grace period, so the process ends before the kubelet's SIGKILL.
        shutdownGraceSeconds: num("SHUTDOWN_GRACE_SECONDS", 25, 3600),
        // Only used where no cgroup sets a memory limit (a process outside a container).
        memoryLimitMiB: env.MEMORY_LIMIT_MIB ? num("MEMORY_LIMIT_MIB", 0, 1 << 20) : undefined,
    };
}

function log(event: string, fields: Record<string, unknown> = {}): void {
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
}

function main(): void {
    let settings: Settings;
    const faults = new FaultState();
    try {
        settings = settingsFromEnv(process.env);
        faults.set(faultsFromEnv(process.env));
    } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        process.exit(2);
    }
    const started = Date.now();
    let modelLoaded = false;

    const registry = new Registry();
    const inferences = registry.register(new Counter("inference_total", "Inference requests (every /predict)."));
    const errors = registry.register(new Counter("error_total", "Failed inference requests: /predict answered 5xx (a client's bad request is not a failure)."));
    const duration = registry.register(
        new Histogram("inference_duration_seconds", "Time to answer /predict.", [0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 5, 10]),
    );
    const predictions = registry.register(
        new Counter("prediction_total", "Predictions by class.", [{ class: "pneumonia" }, { class: "normal" }]),
    );
    const confidence = registry.register(
        new Histogram("prediction_confidence", "Confidence of answered predictions.", [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1]),
    );
    const meter = new ResourceMeter(settings.memoryLimitMiB === undefined ? undefined : settings.memoryLimitMiB * 1024 * 1024);
    registry.register(new Gauge("cpu_percent", "CPU used against the container's limit (0-100).", () => [{ labels: {}, value: meter.cpuPercent() }]));
    registry.register(
        new Gauge("memory_percent", "Resident memory against the container's limit (0-100).", () => [{ labels: {}, value: meter.memoryPercent() }]),
    );
    registry.register(new Gauge("uptime_seconds", "Seconds since the process started.", () => [{ labels: {}, value: (Date.now() - started) / 1000 }]));
    registry.register(
        new Gauge("model_info", "The model being served (always 1).", () => [{ labels: { version: settings.modelVersion, stand_in: "true" }, value: 1 }]),
    );

    const ready = () => modelLoaded && !faults.current.readinessOff;
    const reply = (res: ServerResponse, answer: Answer) =>
        res.writeHead(answer.status, { "content-type": "application/json" }).end(`${JSON.stringify({ ...answer.body, stand_in: true })}\n`);

    async function predict(req: IncomingMessage): Promise<Answer> {
        if (!ready()) {
            for await (const _ of req);
            return { status: 503, body: { error: "model not loaded" } };
        }
        const image = await readImage(req);
        if (!(image instanceof Uint8Array)) return image;
        const delay = settings.inferenceMs + faults.current.latencyMs;
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        if (faults.nextPredictionFails()) return { status: 500, body: { error: "inference failed (stand-in fault: errorRatio)" } };
        const result = pseudoPrediction(image);
        predictions.inc({ class: result.prediction.toLowerCase() });
        confidence.observe(result.confidence);
        return { status: 200, body: { ...result, model_version: settings.modelVersion } };
    }

    const api = createServer((req, res) => {
        const path = (req.url ?? "/").split("?")[0];
        if (path === "/health" && req.method === "GET") {
            reply(
                res,
                ready()
                    ? { status: 200, body: { status: "ok", model_loaded: true, model_version: settings.modelVersion } }
                    : { status: 503, body: { status: "loading", model_loaded: false } },
            );
            return;
        }
        if (path === "/predict" && req.method === "POST") {
            const start = process.hrtime.bigint();
            predict(req)
                .catch((e: unknown) => ({ status: 500, body: { error: `inference failed: ${(e as Error).message}` } }))
                .then((answer) => {
                    inferences.inc();
                    // The SLO counts the detector's failures, not clients' bad requests (400, 413, 415).
                    if (answer.status >= 500) errors.inc();
                    duration.observe(Number(process.hrtime.bigint() - start) / 1e9);
                    reply(res, answer);
                });
            return;
        }
        const known = path === "/health" || path === "/predict";
        reply(res, known ? { status: 405, body: { error: `method ${req.method} not allowed on ${path}` } } : { status: 404, body: { error: `not found: ${path}` } });
    });
    const metrics = createServer((req, res) => {
        if ((req.url ?? "/").split("?")[0] !== "/metrics") res.writeHead(404).end("not found: /metrics\n");
        else res.writeHead(200, { "content-type": expositionContentType }).end(registry.exposition());
    });
    // Loopback only: the knobs are for whoever can exec into the pod, not for the network.
    const admin = adminServer(faults, log);

    api.listen(settings.port, settings.host);
    metrics.listen(settings.metricsPort, settings.host);
    admin.listen(settings.adminPort, "127.0.0.1");
    for (const server of [api, metrics, admin]) {
        server.on("error", (e) => {
            process.stderr.write(`error: ${e.message}\n`);
            process.exit(2);
        });
    }
    log("starting", { version: standInVersion, model_version: settings.modelVersion, ports: [settings.port, settings.metricsPort], admin: settings.adminPort, faults: faults.current });
    setTimeout(() => {
        modelLoaded = true;
        log("model loaded", { model_version: settings.modelVersion });
    }, settings.modelLoadSeconds * 1000);

    // SIGTERM (the kubelet's stop): refuse new connections, let in-flight requests finish, exit 0.
    // https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
    process.once("SIGTERM", () => {
        log("stopping", { reason: "SIGTERM" });
        const forced = setTimeout(() => {
            log("stopped", { clean: false, after_seconds: settings.shutdownGraceSeconds });
            process.exit(1);
        }, settings.shutdownGraceSeconds * 1000);
        forced.unref();
        let open = 3;
        const closed = () => {
            open -= 1;
            if (open > 0) return;
            log("stopped", { clean: true });
            process.exit(0);
        };
        for (const server of [api, metrics, admin]) server.close(closed);
        // A keep-alive connection whose request finishes after close() becomes idle later: close those too.
        setInterval(() => [api, metrics, admin].forEach((server) => server.closeIdleConnections()), 100).unref();
    });
}

main();
