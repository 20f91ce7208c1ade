import { containersOf } from "../lib/kubernetes";
import { polaris } from "../lib/sources";
import { containerLabel, workloadPolicy } from "../lib/workload-policy";

export const kubernetesSecretsInEnv = workloadPolicy<{ namePattern: string; valuePatterns: string[] }>(
    {
        name: "kubernetes-no-secrets-in-env",
        description: "No secret-looking value in a plain `env[].value`: secrets come from Secrets through valueFrom.secretKeyRef.",
        severity: "critical",
        framework: polaris("sensitiveContainerEnvVar"),
        remediationSteps: "Move the value into a Kubernetes Secret and reference it with env[].valueFrom.secretKeyRef.",
    },
    {
        namePattern: {
            type: "string",
            default: "password|passwd|secret|token|bearer|api[_-]?key|private[_-]?key|credential|access[_-]?key",
            description: "Case-insensitive regular expression: variables named like this must not carry a plain value.",
        },
        valuePatterns: {
            type: "array",
            items: { type: "string" },
            default: ["-----BEGIN [A-Z ]*PRIVATE KEY-----", "^[a-z][a-z0-9+.-]*://[^/\\s:@]+:[^/\\s@]+@", "\\b(AKIA|ASIA)[0-9A-Z]{16}\\b"],
            description:
                "Regular expressions for values that are credentials whatever the variable is called (private keys, URLs with a password, AWS key ids).",
        },
    },
    (workload, report, config) => {
        const name = new RegExp(config.namePattern, "i");
        const values = config.valuePatterns.map((p) => new RegExp(p));
        for (const { container, role } of containersOf(workload.pod)) {
            for (const variable of container.env ?? []) {
                if (typeof variable.value !== "string" || variable.value === "") continue;
                // The value itself is never echoed: it may be the secret.
                if (name.test(variable.name)) report(`${containerLabel(container, role)} sets ${variable.name} as a plain value`);
                else if (values.some((v) => v.test(variable.value as string))) {
                    report(`${containerLabel(container, role)} sets ${variable.name} to a value that looks like a credential`);
                }
            }
        }
    },
);
