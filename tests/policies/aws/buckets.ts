// Shared by the bucket policy tests: the platform's buckets as SecureBucket renders them.
import { edit, secureBucket } from "../factory";

export const artifacts = () => secureBucket("artifacts");
export const backups = () => secureBucket("backups", { objectLock: true, lifecycle: true });
export const without = (list: ReturnType<typeof secureBucket>, type: string) => list.filter((r) => r.type !== type);
export const editType = (list: ReturnType<typeof secureBucket>, type: string, change: (p: Record<string, any>) => void) =>
    list.map((r) => (r.type === type ? edit(r, change) : r));
