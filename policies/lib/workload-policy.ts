// The shape shared by the pod-level policies: applies to every kind with a pod template.
import type { ReportViolation } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { resourcePolicy, type Exemption, type PlatformPolicy, type PolicyInfo } from "./definitions";
import { describeObject, workloadOf, type Container, type Workload } from "./kubernetes";

export const notAWorkload = "Policy only applies to workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod)";

export function workloadPolicy<C extends object = object>(
    info: PolicyInfo,
    config: Record<string, PolicyConfigJSONSchema>,
    check: (workload: Workload, report: ReportViolation, config: C & { exemptions: Exemption[] }) => void,
): PlatformPolicy {
    return resourcePolicy<C>(info, config, (args, report, settings) => {
        const workload = workloadOf(args);
        if (!workload) return args.notApplicable(notAWorkload);
        check(workload, (message) => report(`${describeObject(workload.kind, workload.metadata)}: ${message}`), settings);
    });
}

export function containerLabel(container: Container, role: string): string {
    return `${role} "${container.name}"`;
}
