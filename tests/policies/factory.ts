// Resource factory for policy tests: each builder returns a compliant resource (as the platform
// renders it); tests break one property at a time with `edit`.
import { taggableTypes } from "../../policies/aws/cost-allocation-tags";
import type { InputResource } from "../../src/policy/evaluate";

type Props = Record<string, any>;
const stack = "test";
const project = "pneumonia-platform";
export const appNamespace = "pneumonia";

export function resource(type: string, name: string, props: Props, parent?: InputResource): InputResource {
    const parentType = parent ? `${parent.urn.split("::")[2]}$` : "";
    const urn = `urn:pulumi:${stack}::${project}::${parentType}${type}::${name}`;
    return { urn, type, name, props, ...(parent ? { parent: parent.urn } : {}) };
}

/** A deep copy of `r` with `change` applied to its props. */
export function edit(r: InputResource, change: (props: Props) => void): InputResource {
    const props = structuredClone(r.props) as Props;
    change(props);
    return { ...r, props };
}

/** `list` with the resources of `type` (and `name`, if given) edited. */
export function editAll(list: InputResource[], type: string, change: (props: Props) => void, name?: string): InputResource[] {
    return list.map((r) => (r.type === type && (name === undefined || r.name === name) ? edit(r, change) : r));
}

export const selector = (name: string) => ({ "app.kubernetes.io/name": name, "app.kubernetes.io/instance": stack });
const labels = (name: string) => ({
    ...selector(name),
    "app.kubernetes.io/part-of": "pneumonia-platform",
    "app.kubernetes.io/managed-by": "pulumi",
});
const digest = `sha256:${"a".repeat(64)}`;

export function container(name: string, extra: Props = {}): Props {
    return {
        name,
        image: `ghcr.io/pneumonia-detector/${name}:1.4.2@${digest}`,
        ports: [{ name: "http", containerPort: 8000 }],
        resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        readinessProbe: { httpGet: { path: "/health", port: "http" } },
        livenessProbe: { httpGet: { path: "/health", port: "http" } },
        securityContext: {
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            privileged: false,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        },
        ...extra,
    };
}

function podSpec(name: string, extra: Props = {}): Props {
    return {
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
        containers: [container(name)],
        ...extra,
    };
}

export function deployment(name: string, options: { replicas?: number; namespace?: string } = {}): InputResource {
    return resource("kubernetes:apps/v1:Deployment", name, {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: options.namespace ?? appNamespace, labels: labels(name) },
        spec: {
            replicas: "replicas" in options ? options.replicas : 2,
            selector: { matchLabels: selector(name) },
            template: { metadata: { labels: labels(name) }, spec: podSpec(name) },
        },
    });
}

export function statefulSet(name: string, replicas = 2): InputResource {
    return resource("kubernetes:apps/v1:StatefulSet", name, {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name, namespace: appNamespace, labels: labels(name) },
        spec: {
            serviceName: name,
            replicas,
            selector: { matchLabels: selector(name) },
            template: { metadata: { labels: labels(name) }, spec: podSpec(name) },
        },
    });
}

/** A backup CronJob of the platform: labelled app.kubernetes.io/name=backup and with its kind. */
export function backupCronJob(kind: string, schedule = "15 2 * * *"): InputResource {
    const name = `backup-${kind}`;
    const jobLabels = { ...labels("backup"), "pneumonia.io/backup-kind": kind };
    const runner = container("backup", {
        args: [kind === "db" ? "db-dump" : kind],
        ports: [],
        readinessProbe: undefined,
        livenessProbe: undefined,
    });
    return resource("kubernetes:batch/v1:CronJob", name, {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name, namespace: appNamespace, labels: jobLabels },
        spec: {
            schedule,
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 600,
            jobTemplate: {
                spec: {
                    activeDeadlineSeconds: 3600,
                    ttlSecondsAfterFinished: 86400,
                    backoffLimit: 2,
                    template: {
                        metadata: { labels: jobLabels },
                        spec: podSpec("backup", { restartPolicy: "OnFailure", containers: [runner] }),
                    },
                },
            },
        },
    });
}

export function job(name: string): InputResource {
    return resource("kubernetes:batch/v1:Job", name, {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name, namespace: appNamespace, labels: labels(name) },
        spec: {
            activeDeadlineSeconds: 600,
            ttlSecondsAfterFinished: 3600,
            template: { metadata: { labels: labels(name) }, spec: podSpec(name, { restartPolicy: "OnFailure" }) },
        },
    });
}

export function namespace(name: string): InputResource {
    return resource("kubernetes:core/v1:Namespace", name, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    });
}

export function defaultDeny(ns: string): InputResource {
    return resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", `${ns}-default-deny`, {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "default-deny", namespace: ns },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    });
}

export function service(name: string, extra: Props = {}): InputResource {
    return resource("kubernetes:core/v1:Service", name, {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace: appNamespace, labels: labels(name) },
        spec: { selector: selector(name), ports: [{ name: "http", port: 8000, targetPort: "http" }], ...extra },
    });
}

export function serviceMonitor(name: string): InputResource {
    return resource("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", name, {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name, namespace: "monitoring", labels: labels(name) },
        spec: {
            selector: { matchLabels: selector(name) },
            namespaceSelector: { matchNames: [appNamespace] },
            endpoints: [{ port: "http", path: "/metrics" }],
        },
    });
}

export function podDisruptionBudget(name: string, spec: Props = { maxUnavailable: 1 }): InputResource {
    return resource("kubernetes:policy/v1:PodDisruptionBudget", name, {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name, namespace: appNamespace },
        spec: { selector: { matchLabels: selector(name) }, ...spec },
    });
}

export function autoscaler(name: string, minReplicas: number): InputResource {
    return resource("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", name, {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: { name, namespace: appNamespace },
        spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name }, minReplicas, maxReplicas: 10 },
    });
}

export function monitoringRelease(version = "75.15.1"): InputResource {
    return resource("kubernetes:helm.sh/v3:Release", "monitoring", {
        chart: "kube-prometheus-stack",
        version,
        namespace: "monitoring",
        repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
    });
}

export function prometheusRule(alerts: string[]): InputResource {
    return resource("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "platform-alerts", {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "platform-alerts", namespace: "monitoring" },
        spec: {
            groups: [
                {
                    name: "detector",
                    rules: alerts.map((alert) => ({
                        alert,
                        expr: "vector(1) > 2",
                        for: "5m",
                        annotations: { runbook_url: `https://github.example/org/repo/blob/main/docs/runbooks/${alert}.md` },
                    })),
                },
            ],
        },
    });
}

/**
 * The platform's SecureBucket: the bucket named from a prefix, its settings naming it by the
 * physical name the provider would choose (prefix + suffix), as the offline plan's mocks do.
 */
export function secureBucket(name: string, options: { objectLock?: boolean; lifecycle?: boolean } = {}): InputResource[] {
    const physical = `${name}-plan0001`;
    const component = resource("pneumonia:storage:SecureBucket", name, {});
    const child = (type: string, props: Props) => resource(type, name, { bucket: physical, ...props }, component);
    const arn = `arn:aws:s3:::${physical}`;
    return [
        component,
        resource(
            "aws:s3/bucket:Bucket",
            name,
            { bucketPrefix: `${name}-`, objectLockEnabled: options.objectLock ?? false, forceDestroy: false },
            component,
        ),
        child("aws:s3/bucketVersioning:BucketVersioning", { versioningConfiguration: { status: "Enabled" } }),
        child("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {
            rules: [
                {
                    applyServerSideEncryptionByDefault: {
                        sseAlgorithm: "aws:kms",
                        kmsMasterKeyId: `arn:aws:kms:eu-west-1:123456789012:key/${name}`,
                    },
                },
            ],
        }),
        child("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }),
        child("aws:s3/bucketOwnershipControls:BucketOwnershipControls", { rule: { objectOwnership: "BucketOwnerEnforced" } }),
        child("aws:s3/bucketPolicy:BucketPolicy", {
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "DenyInsecureTransport",
                        Effect: "Deny",
                        Principal: "*",
                        Action: "s3:*",
                        Resource: [arn, `${arn}/*`],
                        Condition: { Bool: { "aws:SecureTransport": "false" } },
                    },
                ],
            }),
        }),
        ...(options.lifecycle
            ? [
                  child("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", {
                      rules: [
                          {
                              id: "expire",
                              status: "Enabled",
                              expiration: { days: 365 },
                              abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                          },
                      ],
                  }),
              ]
            : []),
        ...(options.objectLock
            ? [
                  child("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", {
                      rule: { defaultRetention: { mode: "GOVERNANCE", days: 30 } },
                  }),
              ]
            : []),
    ];
}

export function kmsKey(name: string): InputResource {
    return resource("aws:kms/key:Key", name, { description: `Encrypts ${name}`, enableKeyRotation: true, deletionWindowInDays: 30 });
}

export function rdsInstance(name = "database"): InputResource {
    return resource("aws:rds/instance:Instance", name, {
        engine: "postgres",
        instanceClass: "db.t4g.medium",
        storageEncrypted: true,
        kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/database",
        backupRetentionPeriod: 14,
        multiAz: true,
        deletionProtection: true,
        publiclyAccessible: false,
        password: "plan-placeholder",
    });
}

export function ecrRepository(name = "pneumonia-detector"): InputResource {
    return resource("aws:ecr/repository:Repository", name, {
        name,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
    });
}

export function rolePolicy(name: string, statements: Props[]): InputResource {
    return resource("aws:iam/rolePolicy:RolePolicy", name, {
        role: `${name}-role`,
        policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });
}

export const leastPrivilege = [
    { Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::backups-plan0001"] },
    { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: ["arn:aws:s3:::backups-plan0001/db/*"] },
    { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: ["arn:aws:kms:eu-west-1:123456789012:key/backups"] },
];

export function securityGroup(name: string, ingress: Props[]): InputResource {
    return resource("aws:ec2/securityGroup:SecurityGroup", name, { description: name, vpcId: "vpc-0abc", ingress });
}

/** The Sigstore policy-controller release (infra/images/admission.ts). */
export function imageAdmissionRelease(): InputResource {
    return resource("kubernetes:helm.sh/v3:Release", "image-admission", {
        chart: "policy-controller",
        version: "0.10.6",
        namespace: "cosign-system",
        repositoryOpts: { repo: "https://sigstore.github.io/helm-charts" },
    });
}

/** A ClusterImagePolicy requiring CI's keyless signature on the registry's images; `mode` unset is the CRD's default, enforce. */
export function clusterImagePolicy(mode?: string): InputResource {
    return resource("kubernetes:policy.sigstore.dev/v1beta1:ClusterImagePolicy", "image-admission-signed-images", {
        apiVersion: "policy.sigstore.dev/v1beta1",
        kind: "ClusterImagePolicy",
        metadata: { name: "platform-images-signed-by-ci" },
        spec: {
            ...(mode ? { mode } : {}),
            images: [{ glob: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/**" }],
            authorities: [
                {
                    keyless: {
                        url: "https://fulcio.sigstore.dev",
                        identities: [
                            {
                                issuer: "https://token.actions.githubusercontent.com",
                                subject: "https://github.com/o/r/.github/workflows/delivery.yml@refs/heads/main",
                            },
                        ],
                    },
                },
            ],
        },
    });
}

/** A whole production-like stack on which every policy of the pack passes. */
/** A taggable AWS resource with the cost allocation tags the platform gives it (infra/index.ts tagsFor). */
export function withCostTags(r: InputResource): InputResource {
    if (!taggableTypes.includes(r.type)) return r;
    return edit(r, (p) => (p.tags = { project, environment: "production", stack, component: r.name, ...p.tags }));
}

export function compliantPlatform(): InputResource[] {
    return [
        namespace(appNamespace),
        defaultDeny(appNamespace),
        namespace("monitoring"),
        defaultDeny("monitoring"),
        deployment("detector", { replicas: undefined }),
        autoscaler("detector", 3),
        podDisruptionBudget("detector"),
        service("detector"),
        serviceMonitor("detector"),
        backupCronJob("db"),
        backupCronJob("models"),
        monitoringRelease(),
        prometheusRule(["DetectorDown", "BackupStale"]),
        imageAdmissionRelease(),
        clusterImagePolicy("enforce"),
        rdsInstance(),
        kmsKey("database-key"),
        ...secureBucket("artifacts"),
        ...secureBucket("backups", { objectLock: true, lifecycle: true }),
        ecrRepository(),
        rolePolicy("backup", leastPrivilege),
        securityGroup("database", [{ protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-0abc"] }]),
        ...securityFindings(),
        ...evidenceBucket(),
    ].map(withCostTags);
}

/** infra/security's finding services as the plan renders them: GuardDuty with EKS audit logs, Security Hub with FSBP, a validated trail, a GuardDuty rule with its target. */
export function securityFindings(): InputResource[] {
    const component = resource("pneumonia:security:SecurityFindings", "security-findings", {});
    const child = (type: string, name: string, props: Props) => resource(type, name, props, component);
    const rule = "security-test-guardduty-kubernetes-high";
    return [
        component,
        child("aws:guardduty/detector:Detector", "security-findings", { enable: true, findingPublishingFrequency: "FIFTEEN_MINUTES" }),
        child("aws:guardduty/detectorFeature:DetectorFeature", "security-findings-eks-audit-logs", {
            detectorId: "det-1",
            name: "EKS_AUDIT_LOGS",
            status: "ENABLED",
        }),
        child("aws:securityhub/account:Account", "security-findings", { enableDefaultStandards: false }),
        child("aws:securityhub/standardsSubscription:StandardsSubscription", "security-findings-fsbp", {
            standardsArn: "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0",
        }),
        child("aws:cloudtrail/trail:Trail", "security-findings", {
            name: "pneumonia-platform-test",
            s3BucketName: "cloudtrail-plan0001",
            enableLogFileValidation: true,
            enableLogging: true,
            isMultiRegionTrail: true,
        }),
        child("aws:cloudwatch/eventRule:EventRule", "security-findings-guardduty-kubernetes-high", {
            name: rule,
            eventPattern: JSON.stringify({
                source: ["aws.guardduty"],
                "detail-type": ["GuardDuty Finding"],
                detail: { severity: [{ numeric: [">=", 7] }] },
            }),
        }),
        child("aws:cloudwatch/eventTarget:EventTarget", "security-findings-guardduty-kubernetes-high", {
            rule,
            arn: "arn:aws:sns:eu-west-1:123456789012:security-page-test",
        }),
    ];
}

/** infra/security's evidence bucket: a SecureBucket with COMPLIANCE Object Lock and its no-delete, no-overwrite policy. */
export function evidenceBucket(): InputResource[] {
    const arn = "arn:aws:s3:::security-evidence-plan0001";
    return secureBucket("security-evidence", { objectLock: true }).map((r) => {
        if (r.type === "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
            return edit(r, (p) => (p.rule.defaultRetention = { mode: "COMPLIANCE", days: 365 }));
        if (r.type !== "aws:s3/bucketPolicy:BucketPolicy") return r;
        return edit(r, (p) => {
            const policy = JSON.parse(p.policy);
            policy.Statement.push(
                {
                    Sid: "DenyEvidenceDeletion",
                    Effect: "Deny",
                    Principal: "*",
                    Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
                    Resource: [arn, `${arn}/*`],
                },
                {
                    Sid: "DenyOverwrite",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:PutObject",
                    Resource: `${arn}/*`,
                    Condition: { Null: { "s3:if-none-match": "true" } },
                },
            );
            p.policy = JSON.stringify(policy);
        });
    });
}
