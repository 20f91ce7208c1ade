// npm run dr-drill -- --from <stack> [--keep] [--detector-url URL] [--mlflow-url URL] [--reports DIR]
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { BackupStore } from "../backup/store";
import { runDrill, type ManifestReader } from "./drill";
import { localWorkspace } from "./workspace";

const usage = "usage: dr-drill --from <stack> [--keep] [--detector-url URL] [--mlflow-url URL] [--reports DIR]";

/** The latest database manifest of the source stack, read with the operator's AWS credentials. */
const readManifest: ManifestReader = async ({ bucket, prefix, region }) => {
    const store = new BackupStore({ bucket, prefix, region: region ?? process.env.AWS_REGION ?? "us-east-1", endpoint: process.env.AWS_ENDPOINT_URL_S3 });
    const manifest = await store.manifest("db", "latest");
    const tables = (manifest.details.tables ?? {}) as Record<string, number>;
    return { id: manifest.id, experiments: tables["public.experiments"] ?? 0, runs: tables["public.runs"] ?? 0 };
};

async function main(): Promise<number> {
    let values: Record<string, string | boolean | undefined>;
    try {
        values = parseArgs({
            args: process.argv.slice(2),
            strict: true,
            options: {
                from: { type: "string" },
                keep: { type: "boolean", default: false },
                "detector-url": { type: "string" },
                "mlflow-url": { type: "string" },
                reports: { type: "string" },
            },
        }).values;
        if (!values.from) throw new Error("--from <stack> is required");
    } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n${usage}\n`);
        return 2;
    }
    const root = resolve(__dirname, "../..");
    const reportDir = resolve(root, (values.reports as string | undefined) ?? "docs/dr-reports");
    const report = await runDrill({
        from: values.from as string,
        keep: values.keep === true,
        now: () => new Date(),
        workspace: localWorkspace(root),
        readManifest,
        fetch,
        reportDir,
        detectorUrl: values["detector-url"] as string | undefined,
        mlflowUrl: values["mlflow-url"] as string | undefined,
        progress: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`dr-drill: ${report.stack} ${report.status}${report.error ? `: ${report.error}` : ""} (report ${reportDir}/${report.stack}.md)\n`);
    return report.status === "passed" ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (error: unknown) => {
        process.stderr.write(`error: ${(error as Error).message}\n`);
        process.exit(1);
    },
);
