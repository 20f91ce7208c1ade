// Where each rule comes from. Carried as the engine's `framework` so Pulumi Cloud shows it too.
import type { PolicyComplianceFramework } from "@pulumi/policy";

const pssUrl = "https://kubernetes.io/docs/concepts/security/pod-security-standards/";

export function podSecurityStandards(profile: "baseline" | "restricted", control: string): PolicyComplianceFramework {
    return { name: "Pod Security Standards", version: "v1.34", reference: `${profile}: ${control}`, specification: pssUrl };
}

export function kubeLinter(...checks: string[]): PolicyComplianceFramework {
    return {
        name: "kube-linter",
        version: "0.7",
        reference: checks.join(", "),
        specification: "https://docs.kubelinter.io/#/generated/checks",
    };
}

export function polaris(...checks: string[]): PolicyComplianceFramework {
    return { name: "Polaris", version: "9", reference: checks.join(", "), specification: "https://polaris.docs.fairwinds.com/checks/" };
}

export function securityHub(control: string, title: string): PolicyComplianceFramework {
    const service = control.split(".")[0].toLowerCase();
    return {
        name: "AWS Security Hub",
        version: "FSBP",
        reference: `${control} ${title}`,
        specification: `https://docs.aws.amazon.com/securityhub/latest/userguide/${service}-controls.html`,
    };
}

/** The operations manual (docs it is checked against: /work/shared/seed/operational-procedures.md). */
export function manual(section: string): PolicyComplianceFramework {
    return { name: "Operations manual", version: "1.0", reference: section, specification: "operational-procedures.md" };
}

/** One line for tables and docs: "Pod Security Standards restricted: Seccomp". */
export function describeSource(framework: PolicyComplianceFramework): string {
    return `${framework.name} ${framework.reference}`;
}
