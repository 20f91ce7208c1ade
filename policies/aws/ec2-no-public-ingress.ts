import * as aws from "@pulumi/aws";
import { resourcePolicy } from "../lib/definitions";
import { securityHub } from "../lib/sources";

const anywhere = ["0.0.0.0/0", "::/0"];

interface Ingress {
    protocol: string;
    fromPort?: number;
    toPort?: number;
    cidrs: string[];
}

export const ec2NoPublicIngress = resourcePolicy<{ authorizedPorts: number[] }>(
    {
        name: "ec2-no-public-ingress",
        description: "Security groups admit traffic from anywhere (0.0.0.0/0, ::/0) only on TCP 443.",
        severity: "critical",
        framework: securityHub("EC2.18", "Security groups should only allow unrestricted incoming traffic for authorized ports"),
        remediationSteps:
            "Restrict the rule's source to the VPC, a security group or a prefix list; only HTTPS (443) may face the internet.",
    },
    {
        authorizedPorts: {
            type: "array",
            items: { type: "integer" },
            default: [443],
            description: "TCP ports that may be open to the internet.",
        },
    },
    (args, report, config) => {
        let rules: Ingress[];
        const group = args.asType(aws.ec2.SecurityGroup);
        const rule = args.asType(aws.ec2.SecurityGroupRule);
        const ingressRule = args.asType(aws.vpc.SecurityGroupIngressRule);
        if (group) {
            rules = (group.ingress ?? []).map((i) => ({ ...i, cidrs: [...(i.cidrBlocks ?? []), ...(i.ipv6CidrBlocks ?? [])] }));
        } else if (rule) {
            if (rule.type !== "ingress") return args.notApplicable("Egress rules are not checked");
            rules = [{ ...rule, cidrs: [...(rule.cidrBlocks ?? []), ...(rule.ipv6CidrBlocks ?? [])] }];
        } else if (ingressRule) {
            const cidrs = [ingressRule.cidrIpv4, ingressRule.cidrIpv6].filter((c): c is string => c !== undefined);
            rules = [{ protocol: ingressRule.ipProtocol, fromPort: ingressRule.fromPort, toPort: ingressRule.toPort, cidrs }];
        } else {
            return args.notApplicable("Policy only applies to security groups and their ingress rules");
        }
        for (const r of rules) {
            const open = r.cidrs.filter((c) => anywhere.includes(c));
            if (open.length === 0) continue;
            const tcp = ["tcp", "6"].includes(String(r.protocol).toLowerCase());
            const authorized = tcp && r.fromPort === r.toPort && config.authorizedPorts.includes(r.fromPort as number);
            if (!authorized) {
                const ports = r.fromPort === r.toPort ? `port ${r.fromPort}` : `ports ${r.fromPort ?? "all"}-${r.toPort ?? "all"}`;
                report(`${args.type.split(":")[2]} ${args.name} admits ${r.protocol} ${ports} from ${open.join(", ")}`);
            }
        }
    },
);
