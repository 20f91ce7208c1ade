// Backup settings (bucket retention and job schedules).
import { z } from "zod";
import type { Environment } from "../config";

export const backupsConfigSchema = z
    .object({
        /** Days a backup object is kept before it expires. */
        retentionDays: z.number().int().min(1),
    })
    .strict();
export type BackupsConfig = z.infer<typeof backupsConfigSchema>;

export function backupsDefaults(_env: Environment): BackupsConfig {
    return { retentionDays: 365 };
}
