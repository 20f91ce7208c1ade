// The app.kubernetes.io label set every object of the platform carries.

export const partOf = "pneumonia-platform";

/** Labels that select a workload's pods: stable for the life of the workload. */
export function selectorLabels(name: string, stack: string): Record<string, string> {
    return { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": stack };
}

export function platformLabels(name: string, component: string, stack: string): Record<string, string> {
    return {
        ...selectorLabels(name, stack),
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": partOf,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/** Pods with this label may reach the database (see the database NetworkPolicy). */
export const databaseClientLabel = { "pneumonia.io/database-client": "true" } as const;

/** Set on a pod by `npm run incident -- isolate` (infra/security/quarantine.ts): only the quarantine NetworkPolicy then applies to it. */
export const quarantineLabel = "pneumonia.io/quarantine";
