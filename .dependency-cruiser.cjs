// npm run lint:deps: the import rules that keep infra/ layered (docs/architecture.md).
// Building blocks and the observability vocabulary are leaves; capabilities point down at them;
// only infra/index.ts (and infra/config.ts for config slices) composes capabilities, so that
// monitoring receives the others' alerts and dashboards instead of reaching for them.
const capabilities = "(detector|mlflow|database|object-store|backups|edge|logging|capacity|release|images|monitoring|security|cluster)";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
    forbidden: [
        {
            name: "no-circular",
            severity: "error",
            comment: "An import circle makes every file in it load (and change) with every other: break it by moving the shared piece down a layer.",
            from: { path: "^(infra|src|policies|scripts|bootstrap)/" },
            to: { circular: true },
        },
        {
            name: "no-tests-from-code",
            severity: "error",
            comment: "Code the platform runs must not depend on test helpers.",
            from: { path: "^(infra|src|policies|scripts|bootstrap)/" },
            to: { path: "^tests/" },
        },
        {
            name: "leaves-import-no-capability",
            severity: "error",
            comment: "infra/platform/ and infra/observability/ are building blocks every capability uses; they know no capability.",
            from: { path: "^infra/(platform|observability)/" },
            to: { path: `^infra/${capabilities}/` },
        },
        {
            name: "monitoring-imports-no-capability",
            severity: "error",
            comment: "Capabilities hand their alerts, recording rules and dashboards to monitoring through infra/index.ts.",
            from: { path: "^infra/monitoring/" },
            to: { path: `^infra/${capabilities}/`, pathNot: "^infra/monitoring/" },
        },
    ],
    options: {
        doNotFollow: { path: "node_modules" },
        exclude: { path: "(^|/)node_modules/" },
        // Type-only imports count: a circle through types still ties the files' meaning together.
        tsPreCompilationDeps: true,
        tsConfig: { fileName: "tsconfig.json" },
    },
};
