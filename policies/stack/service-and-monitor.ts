import * as k8s from "@pulumi/kubernetes";
import type { PolicyResource } from "@pulumi/policy";
import { stackPolicy } from "../lib/definitions";
import { describeObject, namespaceOf, objectsOf, selectorMatches, serviceSelects, workloadOf } from "../lib/kubernetes";
import { manual } from "../lib/sources";

/** A ServiceMonitor endpoint or PodMonitor podMetricsEndpoint (prometheus-operator): a named port or a targetPort. */
type Endpoint = { port?: string; targetPort?: unknown };

export const serviceMonitorType = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
export const podMonitorType = "kubernetes:monitoring.coreos.com/v1:PodMonitor";

/** Namespaces a Prometheus Operator monitor looks in: `any`, `matchNames`, else its own. */
function watches(monitor: PolicyResource, namespace: string): boolean {
    const selector = monitor.props.spec?.namespaceSelector ?? {};
    if (selector.any === true) return true;
    const names: string[] = selector.matchNames?.length ? selector.matchNames : [namespaceOf(monitor.props.metadata)];
    return names.includes(namespace);
}

export const stackServiceAndMonitor = stackPolicy(
    {
        name: "stack-service-and-monitor",
        description:
            "Every Deployment has a Service selecting its pods and a ServiceMonitor (or PodMonitor) scraping a named port of them.",
        severity: "medium",
        framework: manual("Monitoring and Alerting: key metrics to monitor"),
        remediationSteps:
            "Add a Service whose selector matches the pod labels, and a ServiceMonitor whose selector matches the Service's labels and whose endpoints name one of its ports.",
    },
    {},
    (args, report) => {
        const services = objectsOf(args.resources, k8s.core.v1.Service);
        const serviceMonitors = args.resources.filter((r) => r.type === serviceMonitorType);
        const podMonitors = args.resources.filter((r) => r.type === podMonitorType);
        for (const resource of args.resources) {
            const workload = workloadOf(resource);
            if (workload?.kind !== "Deployment") continue;
            const namespace = namespaceOf(workload.metadata);
            const podLabels = workload.podMetadata.labels as Record<string, string>;
            const what = describeObject("Deployment", workload.metadata);
            const mine = services.filter(
                (s) => namespaceOf(s.props.metadata) === namespace && serviceSelects(s.props.spec?.selector, podLabels),
            );
            if (mine.length === 0) report(`${what}: no Service selects its pods`, resource.urn);
            const scrapedByService = mine.some((service) => {
                const ports = ((service.props.spec?.ports ?? []) as { name?: string }[]).map((p) => p.name);
                return serviceMonitors.some(
                    (m) =>
                        watches(m, namespace) &&
                        selectorMatches(m.props.spec?.selector, service.props.metadata?.labels) &&
                        ((m.props.spec?.endpoints ?? []) as Endpoint[]).some((e) => ports.includes(e.port) || e.targetPort !== undefined),
                );
            });
            const containerPorts = (workload.pod.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.name));
            const scrapedByPod = podMonitors.some(
                (m) =>
                    watches(m, namespace) &&
                    selectorMatches(m.props.spec?.selector, podLabels) &&
                    ((m.props.spec?.podMetricsEndpoints ?? []) as Endpoint[]).some(
                        (e) => containerPorts.includes(e.port) || e.targetPort !== undefined,
                    ),
            );
            if (!scrapedByService && !scrapedByPod) report(`${what}: no ServiceMonitor or PodMonitor scrapes it`, resource.urn);
        }
    },
);
