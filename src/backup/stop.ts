// Stopping a run when asked to. The kubelet sends SIGTERM to the container's PID 1 when a Job's
// activeDeadlineSeconds passes or its pod is deleted, then SIGKILL once the grace period (30 s by
// default) is over (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination).
// PID 1 of a PID namespace gets no default action for a signal it has no handler for
// (pid_namespaces(7)), so the runner, which is PID 1 in its container, installs its own handler:
// it stops pg_dump/pg_restore, fails the upload (which aborts the multipart upload), never moves a
// pointer afterwards, pushes the failure metric and exits 1.
import { BackupError } from "./errors";

const controller = new AbortController();

/** Aborted, with the BackupError saying which signal, once a stop was requested. */
export const stopSignal: AbortSignal = controller.signal;

/** The first signal starts an orderly stop; a second one exits at once. */
export function requestStop(signal: NodeJS.Signals): void {
    if (controller.signal.aborted) process.exit(1);
    controller.abort(new BackupError(`interrupted by ${signal}`));
}

/** Throws the stop's BackupError if a stop was requested: checked before every step that cannot be undone. */
export function throwIfStopped(): void {
    if (stopSignal.aborted) throw stopSignal.reason as BackupError;
}

/** Calls `onStop` if a stop is requested before `work` settles. */
export async function untilStopped<T>(work: Promise<T>, onStop: (reason: BackupError) => void): Promise<T> {
    const listener = () => onStop(stopSignal.reason as BackupError);
    if (stopSignal.aborted) listener();
    else stopSignal.addEventListener("abort", listener, { once: true });
    try {
        return await work;
    } finally {
        stopSignal.removeEventListener("abort", listener);
    }
}

/**
 * Installs the handlers. `graceMs` bounds the orderly stop: the kubelet's SIGKILL would end it
 * anyway, but without a push; exiting first keeps the exit code and the log line ours.
 */
export function handleStopSignals(graceMs = 20_000): void {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.on(signal, () => {
            requestStop(signal);
            setTimeout(() => process.exit(1), graceMs).unref();
        });
    }
}
