// Pod Security admission as the API server applies it: each namespace's `pod-security.kubernetes.io/enforce`
// level (unlabelled namespaces get the cluster default, `privileged` unless an AdmissionConfiguration says
// otherwise) must admit every pod made there, Helm hook Jobs included. The checks are the Pod Security
// Standards' controls for the `latest` version, https://kubernetes.io/docs/concepts/security/pod-security-standards/
// (Baseline and Restricted tables; Windows-only fields left out: the platform's nodes are Linux).
import type { Container, PodTemplate, RenderedPlatform } from "./render";
import { podLabel } from "./references";

export type Level = "privileged" | "baseline" | "restricted";
const levels: Level[] = ["privileged", "baseline", "restricted"];

// Baseline "Capabilities": adding any other capability is refused.
const baselineCapabilities = new Set([
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
]);
// Baseline "Sysctls": the safe set.
const safeSysctls = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
]);
// Baseline "SELinux": allowed types.
const seLinuxTypes = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
// Restricted "Volume Types": the only volume sources allowed.
const restrictedVolumes = new Set([
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
]);

function containersOf(pod: PodTemplate): Container[] {
    return [...(pod.spec.initContainers ?? []), ...pod.spec.containers, ...(pod.spec.ephemeralContainers ?? [])];
}

/** The Baseline controls a pod breaks. */
export function baselineViolations(pod: PodTemplate): string[] {
    const out: string[] = [];
    const spec = pod.spec;
    const podContext = spec.securityContext ?? {};
    for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) if (spec[field]) out.push(`${field}: true (Host Namespaces)`);
    if (podContext.windowsOptions?.hostProcess) out.push("windowsOptions.hostProcess (HostProcess)");
    for (const volume of spec.volumes ?? []) if (volume.hostPath) out.push(`volume ${volume.name} is a hostPath (HostPath Volumes)`);
    for (const sysctl of podContext.sysctls ?? []) if (!safeSysctls.has(sysctl.name)) out.push(`sysctl ${sysctl.name} (Sysctls)`);
    const checkContext = (where: string, context: Record<string, any>) => {
        if (context.seccompProfile?.type === "Unconfined") out.push(`${where} seccompProfile Unconfined (Seccomp)`);
        if (context.appArmorProfile && !["RuntimeDefault", "Localhost"].includes(context.appArmorProfile.type))
            out.push(`${where} appArmorProfile ${context.appArmorProfile.type} (AppArmor)`);
        const seLinux = context.seLinuxOptions;
        if (seLinux && (!seLinuxTypes.has(seLinux.type ?? "") || seLinux.user || seLinux.role))
            out.push(`${where} seLinuxOptions (SELinux)`);
    };
    checkContext("pod", podContext);
    for (const [key, value] of Object.entries(pod.metadata.annotations ?? {})) {
        if (
            key.startsWith("container.apparmor.security.beta.kubernetes.io/") &&
            !["runtime/default", ""].includes(value) &&
            !value.startsWith("localhost/")
        )
            out.push(`annotation ${key}: ${value} (AppArmor)`);
    }
    for (const container of containersOf(pod)) {
        const context = container.securityContext ?? {};
        const where = `container ${container.name}`;
        if (context.privileged) out.push(`${where} privileged (Privileged Containers)`);
        if (context.windowsOptions?.hostProcess) out.push(`${where} hostProcess (HostProcess)`);
        for (const capability of context.capabilities?.add ?? [])
            if (!baselineCapabilities.has(capability)) out.push(`${where} adds capability ${capability} (Capabilities)`);
        for (const port of container.ports ?? []) if (port.hostPort) out.push(`${where} hostPort ${port.hostPort} (Host Ports)`);
        if (context.procMount && context.procMount !== "Default") out.push(`${where} procMount ${context.procMount} (/proc Mount Type)`);
        checkContext(where, context);
    }
    return out;
}

/** The Restricted controls a pod breaks, on top of Baseline's. */
export function restrictedViolations(pod: PodTemplate): string[] {
    const out = baselineViolations(pod);
    const spec = pod.spec;
    const podContext = spec.securityContext ?? {};
    for (const volume of spec.volumes ?? []) {
        const source = Object.keys(volume).find((key) => key !== "name");
        if (source && !restrictedVolumes.has(source)) out.push(`volume ${volume.name} is a ${source} (Volume Types)`);
    }
    if (podContext.runAsUser === 0) out.push("pod runAsUser 0 (Running as Non-root user)");
    for (const container of containersOf(pod)) {
        const context = container.securityContext ?? {};
        const where = `container ${container.name}`;
        if (context.allowPrivilegeEscalation !== false) out.push(`${where} allowPrivilegeEscalation is not false (Privilege Escalation)`);
        // runAsNonRoot: the container's setting, else the pod's, must be true.
        if ((context.runAsNonRoot ?? podContext.runAsNonRoot) !== true) out.push(`${where} runAsNonRoot is not true (Running as Non-root)`);
        if (context.runAsUser === 0) out.push(`${where} runAsUser 0 (Running as Non-root user)`);
        // Seccomp: RuntimeDefault or Localhost, on the container or inherited from the pod.
        const seccomp = context.seccompProfile?.type ?? podContext.seccompProfile?.type;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") out.push(`${where} seccompProfile is ${seccomp ?? "unset"} (Seccomp)`);
        if (!(context.capabilities?.drop ?? []).includes("ALL")) out.push(`${where} does not drop ALL capabilities (Capabilities)`);
        for (const capability of context.capabilities?.add ?? [])
            if (capability !== "NET_BIND_SERVICE") out.push(`${where} adds capability ${capability} (Capabilities)`);
    }
    return out;
}

export function violations(pod: PodTemplate, level: Level): string[] {
    if (level === "privileged") return [];
    return level === "baseline" ? baselineViolations(pod) : [...new Set(restrictedViolations(pod))];
}

/** The enforce level of each namespace the platform's objects declare; others get the cluster default. */
export function namespaceLevel(platform: RenderedPlatform, namespace: string, clusterDefault: Level = "privileged"): Level {
    const object = platform.byKind("Namespace").find((o) => o.object.metadata.name === namespace);
    const level = object?.object.metadata.labels?.["pod-security.kubernetes.io/enforce"];
    if (level === undefined) return clusterDefault;
    if (!levels.includes(level as Level))
        throw new Error(`Namespace ${namespace}: pod-security.kubernetes.io/enforce is "${level}", not one of ${levels.join(", ")}`);
    return level as Level;
}

export interface AdmissionResult {
    /** Pods admitted, by namespace and level. */
    admitted: Array<{ pod: string; namespace: string; level: Level; hook: boolean }>;
    denied: string[];
}

/** Each pod against its namespace's enforce level. */
export function checkPodSecurity(platform: RenderedPlatform): AdmissionResult {
    const result: AdmissionResult = { admitted: [], denied: [] };
    for (const pod of platform.pods()) {
        const level = namespaceLevel(platform, pod.namespace);
        const found = violations(pod, level);
        const label = `${podLabel(pod)}${pod.hook ? " [hook]" : ""}`;
        if (found.length)
            result.denied.push(`${label} is refused by Pod Security "${level}" of namespace ${pod.namespace}: ${found.join("; ")}`);
        else result.admitted.push({ pod: label, namespace: pod.namespace, level, hook: pod.hook });
    }
    return result;
}
