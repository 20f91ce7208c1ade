// The backup bucket's policy, as production plans it, against the requests the runner makes, in the
// shapes AWS documents. moto_server ignores bucket policies, so without this a policy that refuses
// multipart uploads would first fail in AWS.
// - Multipart upload and permissions (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions):
//   CreateMultipartUpload, UploadPart and CompleteMultipartUpload are all authorised as s3:PutObject;
//   AbortMultipartUpload as s3:AbortMultipartUpload.
// - Request headers: PutObject and CreateMultipartUpload take x-amz-server-side-encryption and
//   x-amz-server-side-encryption-aws-kms-key-id (API_PutObject.html, API_CreateMultipartUpload.html);
//   UploadPart and CompleteMultipartUpload have no such request header (API_UploadPart.html,
//   API_CompleteMultipartUpload.html: only the SSE-C customer-key headers), so their request
//   context has no s3:x-amz-server-side-encryption key. Reported against botocore:
//   https://github.com/boto/botocore/issues/471 (AccessDenied on UploadPart under a deny on the header).
// - Condition keys of s3:PutObject: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
// - Operator semantics for absent keys: tests/helpers/s3-policy.ts.
import { strict as assert } from "node:assert";
import { at, plan, resource, resourcesOf } from "../../helpers/plan";
import { denyingStatements, type PolicyRequest, type PolicyStatement } from "../../helpers/s3-policy";

const sse = "s3:x-amz-server-side-encryption";
const sseKey = "s3:x-amz-server-side-encryption-aws-kms-key-id";

describe("backups: the bucket policy against S3's request shapes", function () {
    this.timeout(120_000);
    let policy: { Statement: PolicyStatement[] };
    let bucketArn: string;
    /** What the runner sends as SSEKMSKeyId: BACKUP_KMS_KEY_ID of the db CronJob. */
    let runnerKey: string;

    before(async () => {
        const p = await plan("production");
        policy = JSON.parse(String(resource(p, "aws:s3/bucketPolicy:BucketPolicy", "backups").inputs.policy));
        const dump = resourcesOf(p, "kubernetes:batch/v1:CronJob").find((c) => at(c.inputs, "metadata.name") === "backup-db")!;
        const env = Object.fromEntries(
            (at(dump.inputs, "spec.jobTemplate.spec.template.spec.containers.0.env") as Array<{ name: string; value?: string }>).map(
                (e) => [e.name, e.value],
            ),
        );
        bucketArn = `arn:aws:s3:::${env.BACKUP_BUCKET}`;
        runnerKey = env.BACKUP_KMS_KEY_ID!;
        assert.ok(runnerKey, "the runner names the bucket's key");
    });

    const request = (action: string, context: Record<string, string> = {}): PolicyRequest => ({
        action,
        resource: `${bucketArn}/production/db/20261127T011500Z-3f2a/mlflow.dump`,
        context: { "aws:SecureTransport": "true", ...context },
    });
    const withKms = () => ({ [sse]: "aws:kms", [sseKey]: runnerKey });

    const cases: Array<[string, () => PolicyRequest, boolean]> = [
        [
            "PutObject as the runner sends it (manifest, pointer, a one-part dump): SSE-KMS with the bucket's key",
            () => request("s3:PutObject", withKms()),
            false,
        ],
        ["PutObject without an encryption header (the bucket default encrypts it)", () => request("s3:PutObject"), false],
        ["PutObject asking for SSE-S3 (AES256)", () => request("s3:PutObject", { [sse]: "AES256" }), true],
        [
            "PutObject naming another KMS key",
            () => request("s3:PutObject", { [sse]: "aws:kms", [sseKey]: "arn:aws:kms:eu-west-1:999999999999:key/other" }),
            true,
        ],
        ["CreateMultipartUpload (s3:PutObject) with SSE-KMS and the bucket's key", () => request("s3:PutObject", withKms()), false],
        ["CreateMultipartUpload (s3:PutObject) asking for SSE-S3", () => request("s3:PutObject", { [sse]: "AES256" }), true],
        ["UploadPart (s3:PutObject, no encryption header)", () => request("s3:PutObject"), false],
        ["CompleteMultipartUpload (s3:PutObject, no encryption header)", () => request("s3:PutObject"), false],
        ["AbortMultipartUpload (s3:AbortMultipartUpload)", () => request("s3:AbortMultipartUpload"), false],
        ["any request over plain HTTP", () => request("s3:PutObject", { ...withKms(), "aws:SecureTransport": "false" }), true],
    ];
    for (const [what, shape, denied] of cases) {
        it(`${denied ? "denies" : "allows"} ${what}`, () => {
            const by = denyingStatements(policy, shape());
            assert.equal(by.length > 0, denied, denied ? "not denied" : `denied by ${by.join(", ")}`);
        });
    }

    it("the evaluator refuses UploadPart under a deny on a missing or IfExists header (the class of mistake this guards)", () => {
        const resourceArn = `${bucketArn}/*`;
        const missingHeader = {
            Sid: "DenyUnencryptedUploads",
            Effect: "Deny" as const,
            Action: "s3:PutObject",
            Resource: resourceArn,
            Condition: { Null: { [sse]: "true" } },
        };
        const ifExists = {
            Sid: "DenyWithoutSseKms",
            Effect: "Deny" as const,
            Action: "s3:PutObject",
            Resource: resourceArn,
            Condition: { StringNotEqualsIfExists: { [sse]: "aws:kms" } },
        };
        const notEquals = {
            Sid: "DenyNotKms",
            Effect: "Deny" as const,
            Action: "s3:PutObject",
            Resource: resourceArn,
            Condition: { StringNotEquals: { [sse]: "aws:kms" } },
        };
        for (const statement of [missingHeader, ifExists, notEquals]) {
            assert.deepEqual(denyingStatements({ Statement: [statement] }, request("s3:PutObject")), [statement.Sid], statement.Sid);
        }
    });
});
