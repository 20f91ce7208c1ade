// Pod Security Standards "restricted" settings, shared by every workload of the platform.
import type * as k8s from "@pulumi/kubernetes";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;

/** A non-root identity for images that do not declare one; images with their own user pass theirs. */
export const defaultUid = 10001;

export function restrictedPodSecurityContext(uid: number = defaultUid, gid: number = uid): PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: gid,
        fsGroup: gid,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export function restrictedContainerSecurityContext(): SecurityContext {
    return {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        privileged: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** With a read-only root filesystem, every path a program writes to must be an emptyDir. */
export function scratchVolumes(mounts: Record<string, string>): {
    volumes: k8s.types.input.core.v1.Volume[];
    volumeMounts: k8s.types.input.core.v1.VolumeMount[];
} {
    const entries = Object.entries(mounts);
    return {
        volumes: entries.map(([name]) => ({ name, emptyDir: { sizeLimit: "1Gi" } })),
        volumeMounts: entries.map(([name, mountPath]) => ({ name, mountPath })),
    };
}
