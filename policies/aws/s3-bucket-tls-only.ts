import { stackPolicy } from "../lib/definitions";
import { list, statementsOf, type Statement } from "../lib/iam";
import { bucketsWithSettings, computed, describeBucket } from "../lib/s3";
import { securityHub } from "../lib/sources";

function deniesPlainHttp(statement: Statement): boolean {
    const principal = statement.Principal as string | { AWS?: string | string[] } | undefined;
    const everyone = principal === "*" || list(typeof principal === "object" ? principal.AWS : undefined).includes("*");
    const secureTransport = statement.Condition?.Bool?.["aws:SecureTransport"];
    return (
        statement.Effect === "Deny" &&
        everyone &&
        list(statement.Action).some((a) => a === "s3:*" || a === "*") &&
        String(secureTransport) === "false"
    );
}

export const s3BucketTlsOnly = stackPolicy(
    {
        name: "s3-bucket-tls-only",
        description: "S3 bucket policies deny every request not made over TLS (aws:SecureTransport false).",
        severity: "medium",
        framework: securityHub("S3.5", "S3 general purpose buckets should require requests to use SSL"),
        remediationSteps:
            'Add a bucket policy statement: Effect Deny, Principal "*", Action s3:*, Condition Bool aws:SecureTransport "false".',
    },
    {},
    (args, report) => {
        for (const { bucket, of } of bucketsWithSettings(args.resources)) {
            const inline = computed(bucket, "policy");
            const documents = [...of("policy").map((p) => p.props.policy), ...(inline ? [inline] : [])];
            if (!documents.some((d) => statementsOf(d).some(deniesPlainHttp))) {
                report(`${describeBucket(bucket)} has no policy denying requests without TLS`, bucket.urn);
            }
        }
    },
);
