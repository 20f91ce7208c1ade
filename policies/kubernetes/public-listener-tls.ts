import { resourcePolicy } from "../lib/definitions";
import { albAnnotation, isSet, publicEntryOf } from "../lib/public-entry";
import { manual } from "../lib/sources";

/** The controller's default when listen-ports is unset (annotations.md, listen-ports). */
const defaultListeners = [{ HTTP: 80 }];

function listenersOf(annotations: Record<string, unknown>): Record<string, number>[] | undefined {
    const value = annotations[albAnnotation("listen-ports")];
    if (value === undefined) return defaultListeners;
    if (typeof value !== "string") return undefined;
    try {
        return JSON.parse(value) as Record<string, number>[];
    } catch {
        return [];
    }
}

export const kubernetesPublicListenerTls = resourcePolicy<{ allowedSslPolicies: string[] }>(
    {
        name: "kubernetes-public-listener-tls",
        description:
            "Internet-facing load balancers listen with TLS only: an ALB Ingress has an HTTPS listener with a certificate and a TLS 1.2+ policy, and its HTTP listener only redirects to HTTPS; a LoadBalancer Service has a certificate.",
        severity: "high",
        framework: manual("Security Review: verify SSL certificate status"),
        remediationSteps:
            'Set alb.ingress.kubernetes.io/listen-ports to include {"HTTPS":443}, certificate-arn, ssl-policy (e.g. ELBSecurityPolicy-TLS13-1-2-2021-06) and ssl-redirect: "443".',
    },
    {
        allowedSslPolicies: {
            type: "array",
            items: { type: "string" },
            default: [
                "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
                "ELBSecurityPolicy-TLS13-1-3-2021-06",
                "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
            ],
            description:
                "ELB security policies allowing TLS 1.2 and newer only (ELB docs, Security policies for your Application Load Balancer).",
        },
    },
    (args, report, config) => {
        const entry = publicEntryOf(args);
        if (!entry) return;
        const annotations = entry.annotations;
        if (entry.kind === "Service") {
            if (!isSet(annotations, "service.beta.kubernetes.io/aws-load-balancer-ssl-cert")) {
                report(
                    `${entry.description} is internet-facing without a TLS certificate (service.beta.kubernetes.io/aws-load-balancer-ssl-cert)`,
                );
            }
            return;
        }
        const listeners = listenersOf(annotations);
        if (listeners === undefined) return; // unknown at preview
        const protocols = listeners.flatMap((l) => Object.keys(l));
        if (!protocols.includes("HTTPS")) report(`${entry.description} is internet-facing without an HTTPS listener`);
        if (protocols.includes("HTTP") && !isSet(annotations, albAnnotation("ssl-redirect"))) {
            report(`${entry.description} has an internet-facing HTTP listener that does not redirect to HTTPS (ssl-redirect)`);
        }
        if (protocols.includes("HTTPS") && !isSet(annotations, albAnnotation("certificate-arn"))) {
            report(`${entry.description} has an HTTPS listener without a certificate (certificate-arn)`);
        }
        const policy = annotations[albAnnotation("ssl-policy")];
        if (protocols.includes("HTTPS") && !(typeof policy === "string" && config.allowedSslPolicies.includes(policy))) {
            report(
                `${entry.description} uses TLS policy ${typeof policy === "string" ? policy : "ELBSecurityPolicy-2016-08 (the default)"}, which is not TLS 1.2+ only`,
            );
        }
    },
);
