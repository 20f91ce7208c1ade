// The environments a stack can be. Its own module so that the config sections (monitoring,
// backups) can depend on it without importing infra/config.ts, which composes them.
export const environments = ["local", "staging", "production"] as const;
export type Environment = (typeof environments)[number];
