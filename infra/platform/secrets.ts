// The stack's secret config keys: read with getSecret only, so they stay secrets end to end
// (in state, in manifests, in logs), and handed to the components that need them.
import type * as pulumi from "@pulumi/pulumi";

/** Secret config keys, always read with `getSecret` so they stay secrets end to end. */
export const secretKeys = [
    "databasePassword",
    "objectStoreSecretKey",
    "grafanaAdminPassword",
    "pagerdutyRoutingKey",
    "slackWebhookUrl",
    "ticketWebhookUrl",
    "heartbeatUrl",
    // Security findings (infra/security): the pager's and the ticket system's SNS endpoints.
    "securityPageEndpoint",
    "securityTicketEndpoint",
] as const;
export type SecretKey = (typeof secretKeys)[number];
export type PlatformSecrets = Partial<Record<SecretKey, pulumi.Output<string>>>;
