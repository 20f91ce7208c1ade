// The AWS half of the front door (staging, production): an internet-facing Application Load
// Balancer created by the AWS Load Balancer Controller from one Ingress, with an ACM certificate
// validated in Route 53, HTTP redirected to HTTPS, a TLS 1.2+ policy, HTTP/2, the client-network
// allow-list, AWS WAF and access logs to a private, encrypted bucket kept for a year. It forwards
// to the Envoy gateway (gateway.ts), which checks the caller's key.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../platform/cluster";
import { logBucketSettings } from "../platform/bucket";
import { ServiceAccountRole } from "../platform/irsa";
import { platformLabels } from "../platform/labels";
import { awsApis, trafficPolicy } from "../platform/network";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../platform/security";
import type { EdgeSettings } from "./config";
import { edgeNames, edgeTimeouts, envoyPorts } from "./gateway";
import { helmRelease, loadBalancerControllerChart } from "../platform/charts";

/** TLS 1.3 and 1.2 with forward-secret AEAD ciphers only (ELB docs, "Security policies for your Application Load Balancer"). */
export const tlsPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** Prefix of the access-log objects: s3://<bucket>/<prefix>/AWSLogs/<account>/elasticloadbalancing/<region>/… */
export const accessLogPrefix = "edge";

/** The AWS managed rule groups the web ACL evaluates, with the rules it overrides to count and why. */
export const managedRuleGroups = [
    {
        name: "AWSManagedRulesCommonRuleSet",
        // SizeRestrictions_BODY blocks bodies over 8 KB: every X-ray upload. The gateway enforces the real limit (edge.maxRequestSize).
        countOnly: ["SizeRestrictions_BODY"],
    },
    { name: "AWSManagedRulesKnownBadInputsRuleSet", countOnly: [] as string[] },
] as const;

/** CloudWatch metric names of the web ACL's rules (also the `rule` in the WAF-blocked dashboards). */
export const wafMetricNames = { acl: "pneumonia-edge", ratePerIp: "pneumonia-edge-rate-per-ip" } as const;

/** The web ACL's rules: a per-IP rate limit first, then the managed groups. */
export function webAclRules(requestsPerIpPer5Min: number): aws.types.input.wafv2.WebAclRule[] {
    const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
    return [
        {
            name: "rate-per-client-ip",
            priority: 0,
            action: { block: {} },
            statement: { rateBasedStatement: { limit: requestsPerIpPer5Min, aggregateKeyType: "IP", evaluationWindowSec: 300 } },
            visibilityConfig: visibility(wafMetricNames.ratePerIp),
        },
        ...managedRuleGroups.map((group, i) => ({
            name: group.name,
            priority: i + 1,
            overrideAction: { none: {} },
            statement: {
                managedRuleGroupStatement: {
                    vendorName: "AWS",
                    name: group.name,
                    ruleActionOverrides: group.countOnly.map((rule) => ({ name: rule, actionUsage: { count: {} } })),
                },
            },
            visibilityConfig: visibility(`${wafMetricNames.acl}-${group.name}`),
        })),
    ];
}

/**
 * The controller's permissions, narrowed from its published policy (docs/install/iam_policy.json at
 * v2.17.1) to what an ALB Ingress with ACM, WAFv2 and IP targets needs: no Cognito, WAF Classic,
 * Shield, IAM server certificates, customer-owned IP or IPAM pools. Everything it creates or
 * changes carries the `elbv2.k8s.aws/cluster` tag, and the conditions hold it to those resources,
 * except the ingress rules of the targets' security groups. tests/platform/iam.test.ts checks it
 * against the published policy.
 */
export function loadBalancerControllerStatements(): aws.iam.PolicyStatement[] {
    const clusterTagOnRequest = { Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" } };
    const clusterTagOnResource = { Null: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" } };
    const loadBalancers = ["arn:aws:elasticloadbalancing:*:*:targetgroup/*/*", "arn:aws:elasticloadbalancing:*:*:loadbalancer/app/*/*"];
    return [
        {
            Effect: "Allow",
            Action: ["iam:CreateServiceLinkedRole"],
            Resource: "*",
            Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
        },
        {
            Effect: "Allow",
            Action: [
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeVpcs",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeInstances",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeTags",
                "ec2:DescribeRouteTables",
                "ec2:GetSecurityGroupsForVpc",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeListenerCertificates",
                "elasticloadbalancing:DescribeListenerAttributes",
                "elasticloadbalancing:DescribeSSLPolicies",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTrustStores",
                "elasticloadbalancing:DescribeCapacityReservation",
                "acm:ListCertificates",
                "acm:DescribeCertificate",
                "wafv2:GetWebACL",
                "wafv2:GetWebACLForResource",
            ],
            Resource: "*",
        },
        { Effect: "Allow", Action: ["wafv2:AssociateWebACL", "wafv2:DisassociateWebACL"], Resource: "*" },
        { Effect: "Allow", Action: ["ec2:CreateSecurityGroup"], Resource: "*" },
        {
            Effect: "Allow",
            Action: ["ec2:CreateTags"],
            Resource: "arn:aws:ec2:*:*:security-group/*",
            Condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" }, ...clusterTagOnRequest },
        },
        {
            // On any group, as upstream grants it: the controller opens the IP targets' ENI security group to the
            // ALB (pkg/networking/networking_manager.go), which with the VPC CNI is the node or cluster group, not
            // one it created and tagged. Without it: AccessDenied, targets never healthy, callers get 502/504.
            Effect: "Allow",
            Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
            Resource: "*",
        },
        {
            Effect: "Allow",
            Action: ["ec2:DeleteSecurityGroup", "ec2:CreateTags", "ec2:DeleteTags"],
            Resource: "*",
            Condition: clusterTagOnResource,
        },
        {
            Effect: "Allow",
            Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
            Resource: "*",
            Condition: clusterTagOnRequest,
        },
        {
            Effect: "Allow",
            Action: ["elasticloadbalancing:AddTags"],
            Resource: loadBalancers,
            Condition: {
                StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] },
                ...clusterTagOnRequest,
            },
        },
        {
            Effect: "Allow",
            Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            Resource: loadBalancers,
            Condition: clusterTagOnResource,
        },
        {
            Effect: "Allow",
            Action: [
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyListenerAttributes",
                "elasticloadbalancing:SetWebAcl",
            ],
            Resource: "*",
            Condition: clusterTagOnResource,
        },
        {
            // Listeners and rules carry no tag condition in the published policy: they are created under a tagged load balancer.
            Effect: "Allow",
            Action: [
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:SetRulePriorities",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
            ],
            Resource: "*",
        },
        {
            Effect: "Allow",
            Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            Resource: ["arn:aws:elasticloadbalancing:*:*:listener/app/*/*/*", "arn:aws:elasticloadbalancing:*:*:listener-rule/app/*/*/*"],
        },
        {
            Effect: "Allow",
            Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            Resource: "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
        },
    ];
}

/** Values for the aws-load-balancer-controller chart; tests/infra/edge/values.test.ts checks each key against the chart's values.yaml. */
export function loadBalancerControllerValues(args: { clusterName: string; region: string; vpcId: string; roleArn: pulumi.Input<string> }) {
    return {
        clusterName: args.clusterName,
        region: args.region,
        vpcId: args.vpcId,
        replicaCount: 2,
        serviceAccount: {
            create: true,
            name: loadBalancerControllerChart.serviceAccount,
            annotations: { "eks.amazonaws.com/role-arn": args.roleArn },
        },
        ingressClass: loadBalancerControllerChart.ingressClass,
        createIngressClassResource: true,
        // Off: the webhook would turn every LoadBalancer Service of the cluster into an NLB; only the edge Ingress makes a load balancer.
        enableServiceMutatorWebhook: false,
        defaultSSLPolicy: tlsPolicy,
        podSecurityContext: restrictedPodSecurityContext(65534),
        securityContext: restrictedContainerSecurityContext(),
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        podDisruptionBudget: { maxUnavailable: 1 },
    };
}

/**
 * The Ingress annotations of the public load balancer (kubernetes-sigs/aws-load-balancer-controller
 * docs/guide/ingress/annotations.md, v2.17.1). Every key is known at preview, even where a value
 * (a new certificate's ARN) is not yet, so the policies can see what the load balancer will be.
 */
export function albAnnotations(args: {
    config: EdgeSettings;
    certificateArn: pulumi.Input<string>;
    webAclArn?: pulumi.Input<string>;
    accessLogBucket: pulumi.Input<string>;
    deletionProtection: boolean;
}): Record<string, pulumi.Input<string>> {
    const attributes = pulumi
        .output(args.accessLogBucket)
        .apply((bucket) =>
            [
                "routing.http2.enabled=true",
                `idle_timeout.timeout_seconds=${edgeTimeouts.loadBalancerIdleSeconds}`,
                "routing.http.drop_invalid_header_fields.enabled=true",
                "access_logs.s3.enabled=true",
                `access_logs.s3.bucket=${bucket}`,
                `access_logs.s3.prefix=${accessLogPrefix}`,
                `deletion_protection.enabled=${args.deletionProtection}`,
            ].join(","),
        );
    return {
        "alb.ingress.kubernetes.io/scheme": "internet-facing",
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/listen-ports": JSON.stringify([{ HTTP: 80 }, { HTTPS: 443 }]),
        "alb.ingress.kubernetes.io/ssl-redirect": "443",
        "alb.ingress.kubernetes.io/certificate-arn": args.certificateArn,
        "alb.ingress.kubernetes.io/ssl-policy": tlsPolicy,
        "alb.ingress.kubernetes.io/inbound-cidrs": args.config.allowedCidrs.join(","),
        "alb.ingress.kubernetes.io/backend-protocol": "HTTPS",
        "alb.ingress.kubernetes.io/healthcheck-protocol": "HTTPS",
        "alb.ingress.kubernetes.io/healthcheck-path": "/health",
        "alb.ingress.kubernetes.io/success-codes": "200",
        "alb.ingress.kubernetes.io/load-balancer-attributes": attributes,
        ...(args.webAclArn ? { "alb.ingress.kubernetes.io/wafv2-acl-arn": args.webAclArn } : {}),
    };
}

export interface PublicLoadBalancerArgs {
    config: EdgeSettings;
    stack: string;
    namespace: string;
    cluster: ClusterConfig;
    region: string;
    tags: Record<string, string>;
    protect: boolean;
}

/** The internet-facing Application Load Balancer in front of the gateway, and what it needs in AWS. */
export class PublicLoadBalancer extends pulumi.ComponentResource {
    public readonly accessLogBucket: pulumi.Output<string>;
    public readonly certificateArn: pulumi.Output<string>;
    public readonly webAclArn?: pulumi.Output<string>;
    /**
     * The web ACL's VisibilityConfig.MetricName: the value of its CloudWatch `WebACL` dimension, not
     * its name (https://docs.aws.amazon.com/waf/latest/APIReference/API_VisibilityConfig.html,
     * https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html).
     */
    public readonly webAclMetricName?: pulumi.Output<string>;
    /** The load balancer's DNS name once the controller has created it. */
    public readonly hostname: pulumi.Output<string>;

    constructor(name: string, args: PublicLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:edge:PublicLoadBalancer", name, {}, opts);
        const { config } = args;
        if (!config.hostedZoneId) throw new Error(`${name}: edge.hostedZoneId is required for the load balancer's certificate`);
        const child = { parent: this };
        const labels = platformLabels("edge", "edge", args.stack);

        const role = new ServiceAccountRole(
            `${name}-controller`,
            {
                cluster: args.cluster,
                namespace: args.namespace,
                serviceAccount: loadBalancerControllerChart.serviceAccount,
                statements: loadBalancerControllerStatements(),
                tags: args.tags,
            },
            child,
        );
        const controller = helmRelease(
            `${name}-controller`,
            loadBalancerControllerChart,
            {
                namespace: args.namespace,
                timeout: 600,
                values: loadBalancerControllerValues({
                    clusterName: args.cluster.name,
                    region: args.region,
                    vpcId: args.cluster.vpcId,
                    roleArn: role.arn,
                }),
            },
            child,
        );
        trafficPolicy(
            "aws-load-balancer-controller",
            {
                namespace: args.namespace,
                labels,
                podSelector: {
                    "app.kubernetes.io/name": loadBalancerControllerChart.chart,
                    "app.kubernetes.io/instance": loadBalancerControllerChart.releaseName,
                },
                // The API server calls its admission webhook on 9443 from outside any pod network.
                ingress: [{ port: 9443 }],
                egress: [awsApis, { port: 6443 }],
            },
            child,
        );

        const certificate = new aws.acm.Certificate(name, { domainName: config.host, validationMethod: "DNS", tags: args.tags }, child);
        const validation = certificate.domainValidationOptions.apply((options) => options[0]);
        const record = new aws.route53.Record(
            `${name}-certificate-validation`,
            {
                zoneId: config.hostedZoneId,
                name: validation.resourceRecordName,
                type: validation.resourceRecordType,
                records: [validation.resourceRecordValue],
                ttl: 300,
                allowOverwrite: true,
            },
            child,
        );
        const validated = new aws.acm.CertificateValidation(
            name,
            { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] },
            child,
        );

        const webAcl = config.waf.enabled
            ? new aws.wafv2.WebAcl(
                  name,
                  {
                      scope: "REGIONAL",
                      description: `Front door of the pneumonia detector API (${args.stack})`,
                      defaultAction: { allow: {} },
                      rules: webAclRules(config.waf.requestsPerIpPer5Min),
                      visibilityConfig: { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: wafMetricNames.acl },
                      tags: args.tags,
                  },
                  child,
              )
            : undefined;

        const logs = this.accessLogBucket_(name, args);

        const ingress = new k8s.networking.v1.Ingress(
            name,
            {
                metadata: {
                    name: "edge",
                    namespace: args.namespace,
                    labels,
                    annotations: albAnnotations({
                        config,
                        certificateArn: validated.certificateArn,
                        webAclArn: webAcl?.arn,
                        accessLogBucket: logs.bucket,
                        deletionProtection: args.protect,
                    }),
                },
                spec: {
                    ingressClassName: loadBalancerControllerChart.ingressClass,
                    rules: [
                        {
                            host: config.host,
                            http: {
                                paths: [
                                    {
                                        path: "/",
                                        pathType: "Prefix",
                                        backend: { service: { name: edgeNames.envoyService, port: { number: envoyPorts.https } } },
                                    },
                                ],
                            },
                        },
                    ],
                },
            },
            { parent: this, dependsOn: [controller, ...logs.ready] },
        );

        // The public name points at the load balancer the controller created for the Ingress.
        this.hostname = ingress.status.loadBalancer.ingress.apply((entries) => entries?.[0]?.hostname ?? "");
        new aws.route53.Record(
            `${name}-host`,
            { zoneId: config.hostedZoneId, name: config.host, type: "CNAME", ttl: 60, records: [this.hostname] },
            child,
        );

        this.accessLogBucket = logs.bucket;
        this.certificateArn = validated.certificateArn;
        this.webAclArn = webAcl?.arn;
        this.webAclMetricName = webAcl?.visibilityConfig.metricName;
        this.registerOutputs({
            accessLogBucket: this.accessLogBucket,
            certificateArn: this.certificateArn,
            webAclArn: this.webAclArn,
            hostname: this.hostname,
        });
    }

    /** The bucket the ALB delivers its access logs to (logBucketSettings: SSE-S3, as ALB requires), kept `accessLogDays`. */
    private accessLogBucket_(name: string, args: PublicLoadBalancerArgs): { bucket: pulumi.Output<string>; ready: pulumi.Resource[] } {
        const logName = `${name}-access-logs`;
        const child = { parent: this };
        const account = aws.getCallerIdentityOutput({}, child).accountId;
        // Named, not prefixed: the name is known at preview, so the load balancer's access-log attribute is too.
        const bucket = new aws.s3.Bucket(
            logName,
            { bucket: pulumi.interpolate`edge-access-logs-${account}-${args.stack}`, forceDestroy: false, tags: args.tags },
            { ...child, protect: args.protect },
        );
        // Regions opened before August 2022 deliver as the region's ELB account; newer ones as the log-delivery service.
        const elbAccount = aws.elb.getServiceAccountOutput({ region: args.region }, child).arn;
        const logObjects = pulumi.interpolate`${bucket.arn}/${accessLogPrefix}/AWSLogs/${account}/*`;
        const ready = logBucketSettings(logName, bucket, this, {
            writers: [
                {
                    Sid: "AlbAccessLogsFromTheRegionsElbAccount",
                    Effect: "Allow",
                    Principal: { AWS: elbAccount },
                    Action: "s3:PutObject",
                    Resource: logObjects,
                },
                {
                    Sid: "AlbAccessLogsFromTheLogDeliveryService",
                    Effect: "Allow",
                    Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: logObjects,
                },
            ],
            expirationDays: args.config.accessLogDays,
        });
        return { bucket: bucket.bucket, ready };
    }
}
