import { resourcePolicy } from "../lib/definitions";
import { helmTypes } from "../lib/kubernetes";
import { manual } from "../lib/sources";

export const kubernetesHelmChartPinned = resourcePolicy(
    {
        name: "kubernetes-helm-chart-pinned",
        description: "Helm releases pin an exact chart version (no range, never the repository's latest).",
        severity: "medium",
        framework: manual("Deployment Procedures: rollback to a previous stable tag"),
        remediationSteps: 'Set version to the exact chart version, e.g. "75.15.1".',
    },
    {},
    (args, report) => {
        if (!helmTypes.includes(args.type)) return args.notApplicable("Policy only applies to Helm releases and charts");
        const version = args.props.version;
        if (typeof version !== "string" || !/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version)) {
            report(
                `Helm ${args.type.split(":")[2]} ${args.name} (chart ${args.props.chart}) does not pin an exact version (${version ?? "unset"})`,
            );
        }
    },
);
