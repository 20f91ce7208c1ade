import { manual } from "../lib/sources";
import { resourcePolicy } from "../lib/definitions";
import { describeObject, workloadOf } from "../lib/kubernetes";

export const kubernetesJobLifecycle = resourcePolicy(
    {
        name: "kubernetes-job-lifecycle",
        description:
            "CronJobs set concurrencyPolicy (Forbid or Replace), startingDeadlineSeconds, and a job deadline and TTL; standalone Jobs set a deadline and TTL.",
        severity: "medium",
        framework: manual("Backup and Recovery: daily backups"),
        remediationSteps:
            "Set spec.concurrencyPolicy: Forbid and spec.startingDeadlineSeconds on the CronJob, and activeDeadlineSeconds and ttlSecondsAfterFinished on its job template (or on the Job).",
    },
    {},
    (args, report) => {
        const workload = workloadOf(args);
        if (!workload || (workload.kind !== "CronJob" && workload.kind !== "Job")) {
            return args.notApplicable("Policy only applies to CronJobs and Jobs");
        }
        const what = describeObject(workload.kind, workload.metadata);
        const spec = args.props.spec ?? {};
        const job = (workload.kind === "CronJob" ? spec.jobTemplate?.spec : spec) ?? {};
        const where = workload.kind === "CronJob" ? "spec.jobTemplate.spec" : "spec";
        if (workload.kind === "CronJob") {
            if (!["Forbid", "Replace"].includes(spec.concurrencyPolicy)) {
                report(`${what}: spec.concurrencyPolicy is ${spec.concurrencyPolicy ?? "unset (Allow)"}: overlapping runs are allowed`);
            }
            if (!(spec.startingDeadlineSeconds > 0)) report(`${what}: spec.startingDeadlineSeconds is not set`);
        }
        if (!(job.activeDeadlineSeconds > 0)) report(`${what}: ${where}.activeDeadlineSeconds is not set: a hung run is never stopped`);
        if (!(job.ttlSecondsAfterFinished >= 0))
            report(`${what}: ${where}.ttlSecondsAfterFinished is not set: finished Jobs are never cleaned up`);
    },
);
