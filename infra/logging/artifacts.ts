// The files `npm run plan -- <stack> --out DIR` writes for the log pipeline, for review: the Loki
// ruler's rules and the agent's configuration, rendered from the same code as the cluster objects.
import type { PlatformSettings } from "../config";
import type { Artifact } from "../monitoring/artifacts";
import { agentConfig } from "./alloy";
import { lokiRulesYaml } from "./rules";
import { lokiPushUrl } from "./values";
import { edgeNamespace } from "../edge";

export function loggingArtifacts(config: Pick<PlatformSettings, "logging" | "monitoring" | "kubernetes" | "stack">): Artifact[] {
    const ns = config.kubernetes.monitoringNamespace;
    return [
        { path: "loki/rules.yaml", content: lokiRulesYaml(config.monitoring) },
        {
            path: "alloy/config.alloy",
            content: agentConfig({
                config: config.logging,
                stack: config.stack,
                // As infra/index.ts collects them (tests/infra/logging/component.test.ts compares the two).
                namespaces: [config.kubernetes.appNamespace, ns, edgeNamespace],
                pushUrl: lokiPushUrl(config.logging.mode, ns),
            }),
        },
    ];
}
