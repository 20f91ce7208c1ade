// The drill stack's plan beside its source's: no global or cluster-scoped physical name shared,
// nothing protected or undeletable, and a read-only grant on the source's backups. The rules
// (src/dr/plan.ts) follow Pulumi's and AWS's documentation, cited there; each has a case that
// fails (the source stacks, the old drill design) and one that passes (the drill stacks).
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { parsePlatformConfig } from "../../../infra/config";
import { project } from "../../../src/dr/drill";
import { physicalNames, planDrill, planStackConfig, sharedNames, stackFileConfig, undeletable } from "../../../src/dr/plan";
import { readStackConfig, type Plan } from "../../../src/plan/run";
import { runCli } from "../../helpers/cli";
import { plan as planCached } from "../../helpers/plan";

const now = new Date("2026-11-27T21:00:00Z");
const drStack = "dr-20261127-210000";

describe("dr-drill plan", function () {
    this.timeout(120_000);
    const drills: Record<string, { source: Plan; drill: Plan }> = {};

    before(async () => {
        // One plan at a time: the mock runtime is process-global (the shared helper's queue drains first).
        await planCached("production");
        for (const stack of ["production", "staging"]) drills[stack] = await planDrill(stack, { now });
    });

    for (const stack of ["production", "staging"]) {
        it(`${stack}'s drill stack shares no global or cluster-scoped physical name with ${stack}`, () => {
            const { source, drill } = drills[stack]!;
            assert.equal(drill.stack, drStack);
            assert.deepEqual(sharedNames(source, drill), []);
            // The check sees names in both: the drill's own, derived from its stack name.
            const names = physicalNames(drill).map((n) => `${n.kind} ${n.name}`);
            assert.ok(names.includes(`kms alias alias/backups-${drStack}`), names.join(", "));
            assert.ok(names.includes(`Namespace ${drStack}`));
            assert.ok(physicalNames(source).some((n) => n.name === `alias/backups-${stack}`));
        });

        it(`${stack}'s drill stack has nothing protected or undeletable, and builds nothing`, () => {
            const { drill } = drills[stack]!;
            assert.deepEqual(undeletable(drill), []);
            for (const bucket of drill.resources.filter((r) => r.type === "aws:s3/bucket:Bucket")) {
                assert.equal(bucket.inputs.forceDestroy, true, bucket.urn);
                assert.notEqual(bucket.inputs.objectLockEnabled, true, bucket.urn);
            }
            assert.equal(
                drill.resources.some((r) => r.type === "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"),
                false,
            );
            assert.equal(
                drill.resources.some((r) => r.type === "aws:ecr/repository:Repository"),
                false,
            );
        });
    }

    it("the production drill stays production-shaped: Multi-AZ RDS, three detector replicas, images by digest", () => {
        const { drill } = drills.production!;
        const rds = drill.resources.find((r) => r.type === "aws:rds/instance:Instance")!;
        assert.equal(rds.inputs.multiAz, true);
        assert.equal(rds.inputs.deletionProtection, false);
        assert.equal(rds.inputs.skipFinalSnapshot, true);
        assert.equal(rds.inputs.identifierPrefix, `mlflow-${drStack}-`);
        const detector = drill.resources.find(
            (r) => r.type === "kubernetes:argoproj.io/v1alpha1:Rollout" && (r.inputs as any).metadata.name === "detector",
        )!;
        assert.equal((detector.inputs as any).spec.replicas ?? 3, 3);
        for (const deployment of drill.resources.filter((r) =>
            ["kubernetes:apps/v1:Deployment", "kubernetes:argoproj.io/v1alpha1:Rollout"].includes(r.type),
        )) {
            assert.match((deployment.inputs as any).spec.template.spec.containers[0].image, /@sha256:[0-9a-f]{64}$/, deployment.urn);
        }
    });

    it("the source stacks are what the checks refuse: production is protected and undeletable", () => {
        const reasons = undeletable(drills.production!.source).map((u) => u.reason);
        assert.ok(reasons.includes("protected: pulumi destroy fails on it"));
        assert.ok(reasons.includes("deletion protection: RDS refuses to delete it"));
        assert.ok(reasons.includes("no forceDestroy: S3 refuses to delete a bucket holding objects"));
        assert.ok(reasons.includes("Object Lock: locked versions cannot be deleted before their retention ends"));
    });

    it("staging, unprotected, still cannot be destroyed: its buckets have no forceDestroy", () => {
        const refused = undeletable(drills.staging!.source);
        assert.equal(
            refused.some((u) => u.reason.startsWith("protected")),
            false,
        );
        const buckets = drills.staging!.source.resources.filter((r) => r.type === "aws:s3/bucket:Bucket").map((r) => r.urn);
        assert.deepEqual(
            refused.filter((u) => u.reason.startsWith("no forceDestroy")).map((u) => u.urn),
            buckets,
        );
    });

    it("the old design (production's config in new namespaces, no drill profile) collides and cannot be destroyed", async () => {
        const { source } = drills.production!;
        const config = stackFileConfig("production");
        const kubernetes = JSON.parse(config[`${project}:kubernetes`]!.value);
        config[`${project}:kubernetes`] = {
            value: JSON.stringify({ ...kubernetes, appNamespace: drStack, monitoringNamespace: `${drStack}-monitoring` }),
            secret: false,
        };
        const old = await planStackConfig("production", drStack, config);
        const shared = sharedNames(source, old).map((n) => `${n.kind} ${n.name}`);
        // No ECR repository: production builds nothing, the registry's account (staging's) owns them (infra/images).
        for (const name of [
            "helm release (cluster-wide objects) kube-prometheus-stack",
            "helm chart CRDs kube-prometheus-stack",
            "host port 9100",
        ]) {
            assert.ok(shared.includes(name), `${name} in ${shared.join(", ")}`);
        }
        assert.ok(undeletable(old).some((u) => u.reason.startsWith("protected")));
    });

    it("grants the drill read-only access to the source's backups", () => {
        const { source, drill } = drills.production!;
        const sourceObjects = `arn:aws:s3:::${source.outputs.backupBucket}/production/`;
        const statements = drill.resources
            .filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")
            .flatMap((r) => JSON.parse(r.props.policy as string).Statement as { Action: string[]; Resource: string[] }[]);
        const onSource = statements.filter((s) => s.Resource.some((arn) => arn.startsWith(sourceObjects)));
        assert.ok(onSource.length > 0, "the restore role reads the source's backups");
        // RestoreObject is the one non-read action: it asks S3 for a temporary copy of an archived dump
        // (Glacier classes) and never changes or deletes the stored object.
        for (const statement of onSource)
            assert.deepEqual(
                statement.Action.filter((a) => !/^s3:(Get|List)/.test(a) && a !== "s3:RestoreObject"),
                [],
                JSON.stringify(statement),
            );
    });

    it("refuses a drill profile that could not be destroyed or would build images, naming the key", () => {
        const raw = (extra: Record<string, unknown>) => ({
            ...readStackConfig("production").values,
            drill: { source: "production" },
            backups: { build: null, restore: { from: "latest", bucket: "backups-x1", prefix: "production" } },
            mlflow: { build: null, image: `ghcr.io/mlflow/mlflow@sha256:${"a".repeat(64)}` },
            ...extra,
        });
        assert.throws(
            () => parsePlatformConfig(raw({ database: { deletionProtection: true } }), drStack),
            /^ConfigError: database\.deletionProtection: expected false in a drill stack \(it is destroyed at the end\), got true$/,
        );
        assert.throws(
            () => parsePlatformConfig(raw({ backups: { objectLockDays: 30 } }), drStack),
            /backups\.objectLockDays: expected 0 in a drill stack/,
        );
        assert.throws(() => parsePlatformConfig(raw({ mlflow: {} }), drStack), /mlflow\.build: expected null in a drill stack/);
        const config = parsePlatformConfig(raw({}), drStack);
        assert.equal(config.database.deletionProtection, false);
        assert.equal(config.database.multiAz, true);
        assert.equal(config.backups.objectLockDays, 0);
        assert.equal(config.backups.replicaRegion, undefined);
    });

    it("prints the drill plan offline as JSON in plan --json's shape, with protect and retainOnDelete", () => {
        const { code, stdout, stderr } = runCli("src/dr/cli.ts", ["--from", "staging", "--plan", "--json"], {
            env: { ...process.env, PATH: dirname(process.execPath) },
        });
        assert.equal(code, 0, stderr);
        const doc = JSON.parse(stdout);
        assert.match(doc.stack, /^dr-\d{8}-\d{6}$/);
        for (const r of doc.resources)
            assert.deepEqual(Object.keys(r), ["urn", "type", "name", "parent", "protect", "retainOnDelete", "inputs"]);
        assert.equal(
            doc.resources.some((r: { protect: boolean; retainOnDelete: boolean }) => r.protect || r.retainOnDelete),
            false,
        );
    });

    it("plan --json marks production's protected resources", () => {
        const { code, stdout } = runCli("src/plan/cli.ts", ["production", "--json"]);
        assert.equal(code, 0);
        const protectedTypes = JSON.parse(stdout)
            .resources.filter((r: { protect: boolean }) => r.protect)
            .map((r: { type: string }) => r.type);
        assert.ok(
            protectedTypes.includes("aws:rds/instance:Instance") && protectedTypes.includes("aws:s3/bucket:Bucket"),
            protectedTypes.join(", "),
        );
    });
});
