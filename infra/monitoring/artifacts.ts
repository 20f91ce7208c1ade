// The files `npm run plan -- <stack> --out DIR` writes for monitoring: what promtool, amtool and
// Grafana load, rendered from the same code as the cluster objects (secrets as placeholders).
import type { PlatformSettings } from "../config";
import { alertmanagerArtifact } from "./alertmanager";
import { dashboards } from "./dashboards";
import { rulesYaml } from "./rules";

export interface Artifact {
    /** Relative to the output directory. */
    path: string;
    content: string;
}

export function monitoringArtifacts(config: Pick<PlatformSettings, "monitoring" | "kubernetes">): Artifact[] {
    return [
        { path: "prometheus/rules.yaml", content: rulesYaml(config.monitoring) },
        { path: "alertmanager/alertmanager.yaml", content: alertmanagerArtifact(config.monitoring) },
        ...dashboards(config.monitoring, config.kubernetes.appNamespace).map((d) => ({
            path: `grafana/${d.uid}.json`,
            content: `${JSON.stringify(d.json, null, 2)}\n`,
        })),
    ];
}
