// The agent's configuration, checked two ways without the agent (no Alloy binary can be installed
// here: it is on neither the npm registry nor Debian):
// 1. Structure, against Alloy v1.18.1's component reference (fixtures/alloy-components.json, from
//    docs/sources/reference/components/**): every component, block and argument exists; every
//    reference names a declared component's export.
// 2. Redaction, by running the configured patterns with RE2 semantics (re2js, a port of the RE2
//    engine Go's regexp implements) through the algorithm of Alloy's stage.replace
//    (internal/component/loki/process/stages/replace.go, getReplacedEntry, at v1.18.1).
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RE2JS } from "re2js";
import {
    agentConfig,
    agentPipeline,
    alloyString,
    redactionMarker,
    streamLabels,
    type AlloyBlock,
    type AlloyValue,
} from "../../../infra/logging/alloy";
import { stackConfig } from "../monitoring/helpers";
import { accessLogFormat, envoyProxyPodLabels } from "../../../infra/edge/gateway";

interface Reference {
    components: Record<string, { arguments: string[]; blocks: Record<string, string[]> }>;
}
const reference = JSON.parse(readFileSync(join(__dirname, "fixtures", "alloy-components.json"), "utf8")) as Reference;
/** Exports of the components we reference ("Exported fields" of each reference page). */
const exportsOf: Record<string, string[]> = {
    "discovery.kubernetes": ["targets"],
    "discovery.relabel": ["output", "rules"],
    "local.file_match": ["targets"],
    "loki.process": ["receiver"],
    "loki.write": ["receiver"],
};

const pipeline = (stack = "production") =>
    agentPipeline({
        config: stackConfig(stack).logging,
        stack,
        namespaces: ["pneumonia", "monitoring"],
        pushUrl: "http://loki-distributor.monitoring.svc.cluster.local:3100/loki/api/v1/push",
    });

/** Problems of a pipeline against the reference: unknown components, blocks, arguments, references. */
function structuralProblems(blocks: AlloyBlock[]): string[] {
    const problems: string[] = [];
    const declared = new Set(blocks.map((b) => `${b.name}.${b.label}`));
    const references = (value: AlloyValue): string[] => {
        if (Array.isArray(value)) return value.flatMap(references);
        if (value !== null && typeof value === "object") {
            if ("expr" in value && typeof value.expr === "string") return [value.expr];
            return Object.values(value).flatMap(references);
        }
        return [];
    };
    for (const component of blocks) {
        const ref = reference.components[component.name];
        if (!ref) {
            problems.push(`unknown component ${component.name}`);
            continue;
        }
        if (!component.label) problems.push(`${component.name} has no label`);
        const check = (block: AlloyBlock, allowed: string[], where: string) => {
            for (const key of Object.keys(block.attributes ?? {}))
                if (!allowed.includes(key)) problems.push(`${where}: unknown argument ${key}`);
            for (const value of Object.values(block.attributes ?? {})) {
                for (const expr of references(value)) {
                    const call = /^[a-z_]+(\.[a-z_]+)*\(/.test(expr) || expr.startsWith('"');
                    if (call) continue;
                    const match = /^([a-z_.]+)\.([a-z_]+)\.([a-z_]+)$/.exec(expr);
                    if (!match || !declared.has(`${match[1]}.${match[2]}`) || !(exportsOf[match[1]] ?? []).includes(match[3]))
                        problems.push(`${where}: unresolved reference ${expr}`);
                }
            }
        };
        check(component, ref.arguments, `${component.name} "${component.label}"`);
        for (const block of component.blocks ?? []) {
            const allowed = ref.blocks[block.name];
            if (!allowed) problems.push(`${component.name}: unknown block ${block.name}`);
            else check(block, allowed, `${component.name} ${block.name}`);
        }
    }
    return problems;
}

/** Alloy's stage.replace: every capture group of every match is replaced, left to right. */
function replaceStage(line: string, expression: string, replacement: string): string {
    const matcher = RE2JS.compile(expression).matcher(line);
    let result = "";
    let previousEnd = 0;
    while (matcher.find()) {
        for (let g = 1; g <= matcher.groupCount(); g++) {
            const start = matcher.start(g);
            if (start === -1) continue;
            if (previousEnd === 0 || previousEnd <= start) {
                result += line.slice(previousEnd, start) + replacement;
                previousEnd = matcher.end(g);
            }
        }
    }
    return result + line.slice(previousEnd);
}

/** The agent's line processing up to Loki, for the redaction stages as configured. */
function redact(blocks: AlloyBlock[], line: string): string {
    const process = blocks.find((b) => b.name === "loki.process" && b.label === "pods")!;
    return (process.blocks ?? [])
        .filter((b) => b.name === "stage.replace")
        .reduce((text, stage) => replaceStage(text, stage.attributes!.expression as string, stage.attributes!.replace as string), line);
}

const secrets = [
    "S3cr3t-Pa55",
    "hunter2hunter2",
    "pg-pass-42",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG",
    "Zm9vOmJhcg==",
];
const secretLines = [
    "connecting to postgresql://mlflow:S3cr3t-Pa55@postgres.pneumonia.svc.cluster.local:5432/mlflow?sslmode=require",
    '{"level":"error","caller":"db.py:42","msg":"connect failed","dsn":"postgresql+psycopg2://mlflow:hunter2hunter2@db:5432/mlflow"}',
    "PGPASSWORD=pg-pass-42 pg_dump -Fc mlflow",
    'GET /predict 401 headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"}',
    "aws_access_key_id=AKIAIOSFODNN7EXAMPLE region=eu-west-1",
    '{"secret_key": "wJalrXUtnFEMI/K7MDENG", "bucket": "backups"}',
    "Authorization: Basic Zm9vOmJhcg==",
];
const plainLines = [
    '{"level":"info","caller":"api.py:88","msg":"prediction done","status":200,"duration_s":0.42}',
    "password reset requested for user 42",
    "connecting to postgresql://postgres.pneumonia.svc.cluster.local:5432/mlflow",
    "error: upload of db/20261130T011500Z/dump.pgc failed: checksum mismatch",
];

describe("logging: the agent's configuration", () => {
    for (const stack of ["local", "staging", "production"]) {
        it(`${stack}: uses only components, blocks and arguments of Alloy's reference, and references resolve`, () => {
            assert.deepEqual(structuralProblems(pipeline(stack)), []);
        });
    }

    it("the structural check catches a misspelt argument, an unknown stage and a dangling reference", () => {
        const broken = pipeline();
        broken.find((b) => b.name === "loki.write")!.blocks![0].attributes = { urls: "http://loki:3100" };
        broken.find((b) => b.label === "pods" && b.name === "loki.process")!.blocks!.push({ name: "stage.redact" });
        broken.find((b) => b.name === "loki.source.file")!.attributes!.forward_to = [{ expr: "loki.process.missing.receiver" }];
        assert.deepEqual(structuralProblems(broken), [
            'loki.source.file "pods": unresolved reference loki.process.missing.receiver',
            "loki.process: unknown block stage.redact",
            "loki.write endpoint: unknown argument urls",
        ]);
    });

    it("collects the platform's namespaces from this node's pods and labels namespace, app, pod, container, class and stack", () => {
        const blocks = pipeline();
        const discovery = blocks.find((b) => b.name === "discovery.kubernetes")!;
        assert.deepEqual(discovery.blocks!.find((b) => b.name === "namespaces")!.attributes!.names, ["pneumonia", "monitoring"]);
        const targets = blocks
            .find((b) => b.name === "discovery.relabel")!
            .blocks!.map((r) => r.attributes!.target_label as string)
            .filter((l) => !l.startsWith("__"));
        assert.deepEqual([...new Set(targets)].sort(), ["app", "container", "log_class", "namespace", "pod"]);
        assert.deepEqual(blocks.find((b) => b.name === "loki.write")!.attributes!.external_labels, { stack: "production" });
        const events = blocks.find((b) => b.name === "loki.source.kubernetes_events")!;
        assert.deepEqual(events.attributes!.namespaces, ["pneumonia", "monitoring"], "Kubernetes events are collected");
        // Without clustering every node's agent would send every event (Alloy reference, clustering block).
        assert.deepEqual(events.blocks, [{ name: "clustering", attributes: { enabled: true } }]);
    });

    it("redacts before parsing, and makes only the level a label: a secret can never become a label", () => {
        const stages = pipeline()
            .find((b) => b.name === "loki.process" && b.label === "pods")!
            .blocks!.map((b) => b.name);
        assert.equal(stages[0], "stage.cri");
        assert.ok(stages.lastIndexOf("stage.replace") < stages.indexOf("stage.json"));
        const labels = pipeline()
            .find((b) => b.label === "pods" && b.name === "loki.process")!
            .blocks!.find((b) => b.name === "stage.labels")!;
        assert.deepEqual(Object.keys(labels.attributes!.values as object), ["level"]);
        for (const l of ["level", "namespace", "app", "pod", "container", "stack"])
            assert.ok((streamLabels as readonly string[]).includes(l));
    });

    it("redacts every secret of the sample lines before they leave the node (RE2 semantics, Alloy's stage.replace)", () => {
        const blocks = pipeline();
        for (const line of secretLines) {
            const out = redact(blocks, line);
            for (const secret of secrets) assert.ok(!out.includes(secret), `${secret} reaches Loki in: ${out}`);
            assert.ok(out.includes(redactionMarker), out);
        }
        // The rest of the line stays searchable.
        assert.equal(
            redact(blocks, secretLines[0]),
            `connecting to postgresql://mlflow:${redactionMarker}@postgres.pneumonia.svc.cluster.local:5432/mlflow?sslmode=require`,
        );
    });

    it("leaves lines without secrets as they are", () => {
        const blocks = pipeline();
        for (const line of plainLines) assert.equal(redact(blocks, line), line);
    });

    it("a connection string with a password reaches the store unredacted when the patterns are removed (the test can fail)", () => {
        const blocks = agentPipeline({
            config: {
                ...stackConfig("production").logging,
                secretPatterns: [{ name: "aws-only", regex: "\\b((?:AKIA|ASIA)[A-Z0-9]{16})\\b" }],
            },
            stack: "p",
            namespaces: ["pneumonia"],
            pushUrl: "http://loki:3100",
        });
        assert.ok(redact(blocks, secretLines[0]).includes("S3cr3t-Pa55"));
    });

    it("writes each pattern as an Alloy string literal that decodes to the pattern itself", () => {
        const text = agentConfig({
            config: stackConfig("production").logging,
            stack: "production",
            namespaces: ["pneumonia"],
            pushUrl: "http://loki:3100",
        });
        for (const p of stackConfig("production").logging.secretPatterns) {
            // Alloy's string escapes are Go's; JSON's are a subset of them.
            assert.equal(JSON.parse(alloyString(p.regex)), p.regex);
            assert.ok(text.includes(`expression = ${alloyString(p.regex)}`), p.name);
        }
        assert.equal((text.match(/\{/g) ?? []).length, (text.match(/\}/g) ?? []).length, "balanced braces");
    });
});

describe("logging: the front door's access log", () => {
    // Prometheus-style relabelling as discovery.relabel applies it: the regex is anchored, rules run in order.
    const logClassOf = (app: string): string | undefined => {
        let logClass: string | undefined;
        for (const rule of pipeline().find((b) => b.name === "discovery.relabel")!.blocks!) {
            const a = rule.attributes!;
            if (a.target_label !== "log_class") continue;
            if (!a.source_labels) logClass = a.replacement as string;
            else if (
                RE2JS.compile(`^(?:${a.regex as string})$`)
                    .matcher(app)
                    .matches()
            )
                logClass = a.replacement as string;
        }
        return logClass;
    };

    it("classifies Envoy Gateway's proxy pods as access logs by the app label Envoy Gateway gives them, and nothing else", () => {
        // Envoy Gateway v1.9 labels every proxy Deployment's pods app.kubernetes.io/name=envoy,
        // component=proxy, managed-by=envoy-gateway (internal/infrastructure/kubernetes/proxy/resource.go,
        // and its testdata/deployments/*.yaml).
        assert.equal(envoyProxyPodLabels["app.kubernetes.io/name"], "envoy");
        assert.equal(logClassOf(envoyProxyPodLabels["app.kubernetes.io/name"]), "access");
        assert.equal(logClassOf("detector"), "application");
        assert.equal(logClassOf("backup"), "backup");
        assert.equal(logClassOf("envoy-gateway"), "application", "the anchored regex does not take the controller's name along");
    });

    it("keeps the caller, its address and the status of Envoy's JSON access line as structured metadata", () => {
        const stages = pipeline().find((b) => b.name === "loki.process" && b.label === "pods")!.blocks!;
        const parsed = stages.find((b) => b.name === "stage.json")!.attributes!.expressions as Record<string, string>;
        const metadata = Object.keys(stages.find((b) => b.name === "stage.structured_metadata")!.attributes!.values as object);
        for (const field of ["client", "client_ip", "status"]) {
            assert.ok(field in accessLogFormat, `Envoy's access log has ${field}`);
            assert.equal(parsed[field], field, `stage.json extracts ${field}`);
            assert.ok(metadata.includes(field), `${field} is structured metadata`);
        }
    });
});
