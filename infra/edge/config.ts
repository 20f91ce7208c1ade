// Front-door settings: the public host and its DNS zone, who may connect, which client systems
// hold credentials, and the request limits. infra/config.ts composes this section under `edge`.
import { isIPv4, isIPv6 } from "node:net";
import { z } from "zod";
import type { Environment } from "../platform/environment";
import { bool, int } from "../platform/schema";

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 253 characters at most. */
export function isDnsName(value: string): boolean {
    return (
        value.length <= 253 &&
        value.includes(".") &&
        value.split(".").every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label)) &&
        !/^\d+$/.test(value.split(".").at(-1)!)
    );
}

/** An IPv4 or IPv6 address with a prefix length in range: what Go's net.ParseCIDR (the load balancer controller) accepts. */
export function isCidr(value: string): boolean {
    const [address, prefix, ...rest] = value.split("/");
    if (rest.length > 0 || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
    const bits = Number(prefix);
    if (isIPv4(address)) return bits <= 32;
    if (isIPv6(address)) return bits <= 128;
    return false;
}

const dnsName = z.string().refine(isDnsName, "a DNS name such as api.example.org");
const cidr = z.string().refine(isCidr, "a CIDR such as 203.0.113.0/24");
/** A client or key name: also a part of the client id Envoy reports (`<client>.<key>`), so no dots. */
const credentialName = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, "a lower-case name such as radiology-pacs");
/** The body limit Envoy enforces (Kubernetes quantity, the format BackendTrafficPolicy.requestBuffer.limit takes). */
const requestSize = z.string().regex(/^[1-9][0-9]*(Ki|Mi)$/, "a size such as 20Mi");

const clientSchema = z
    .object({
        /**
         * The client's live API keys, by key name (e.g. the month issued). Two during a rotation,
         * so the old key keeps working until the client has switched; removing a name revokes it.
         */
        keys: z
            .array(credentialName, { error: "a list of key names" })
            .min(1, "at least one key name")
            .max(2, "at most two key names (current and next)"),
    })
    .strict();

export const edgeConfigSchema = z
    .object({
        /** Public host name of the API; its certificate is issued for it. Required (checked with the stack's other rules, last). */
        host: dnsName.optional(),
        /** Route 53 hosted zone holding `host` (AWS stacks): the certificate's DNS validation record goes there. */
        hostedZoneId: z
            .string()
            .regex(/^Z[A-Z0-9]{1,32}$/, "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ")
            .optional(),
        /** Client networks allowed to connect; anything else is refused at the load balancer. */
        allowedCidrs: z.array(cidr, { error: "a list of CIDRs" }).min(1, "at least one CIDR"),
        /** Client systems by name: each gets its own API keys, checked at the edge. Names only; the keys are generated secrets. */
        clients: z.record(credentialName, clientSchema, { error: "a map of client names to { keys: [...] }" }),
        /** Largest request body accepted (a chest X-ray upload); larger requests get 413 at the edge. */
        maxRequestSize: requestSize,
        /** `alb`: an internet-facing AWS Application Load Balancer in front of the gateway (AWS stacks); `none`: the gateway only (local). */
        loadBalancer: z.enum(["alb", "none"], { error: 'one of "alb", "none"' }),
        /** AWS WAF in front of the load balancer (mandatory in production). */
        waf: z
            .object({
                enabled: bool,
                /** Requests one client IP may send in any 5-minute window before WAF blocks it (WAFv2 accepts 10 to 2e9). */
                requestsPerIpPer5Min: int(10, 2_000_000_000),
            })
            .strict(),
        /** Days the load balancer's access logs are kept (at least a year). */
        accessLogDays: int(365),
    })
    .strict();

export type EdgeConfig = z.infer<typeof edgeConfigSchema>;
/** The section once the stack's rules have run: the host is set. */
export type EdgeSettings = EdgeConfig & { host: string };

/** Rules across keys, reported after every other rule of the stack config: [path under edge, expectation]. */
export function edgeIssues(edge: EdgeConfig, inAws: boolean): [string[], string][] {
    const issues: [string[], string][] = [];
    if (!edge.host) issues.push([["host"], "a DNS name such as api.example.org (the public host of the API)"]);
    if (edge.loadBalancer === "alb" && !inAws) issues.push([["loadBalancer"], '"none" unless the aws and cluster sections are set']);
    if (edge.loadBalancer === "alb" && !edge.hostedZoneId)
        issues.push([["hostedZoneId"], "a Route 53 hosted zone id, required when edge.loadBalancer is alb"]);
    return issues;
}

/** Per-environment defaults; the stack file states the host, its zone and the clients. */
export function edgeDefaults(env: Environment): Partial<EdgeConfig> {
    const local = env === "local";
    return {
        // curl and browsers resolve *.localhost to the loopback address without any DNS entry.
        ...(local ? { host: "detector.pneumonia.localhost" } : {}),
        allowedCidrs: ["0.0.0.0/0"],
        // One caller on a laptop, so the local entry is usable as it comes up; other stacks name theirs.
        clients: local ? { laptop: { keys: ["k1"] } } : {},
        maxRequestSize: "20Mi",
        loadBalancer: local ? "none" : "alb",
        waf: { enabled: !local, requestsPerIpPer5Min: 1000 },
        accessLogDays: 365,
    };
}
