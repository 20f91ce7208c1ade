// Loki's rules and the dashboard's queries, validated without Loki (its binary is on neither the
// npm registry nor Debian, and its Go module is AGPL): every LogQL expression is parsed with
// Grafana's own LogQL grammar (@grafana/lezer-logql, the parser of Grafana's Loki query editor),
// every regex in it compiles with RE2 (Loki is Go), and every label it selects or groups by is one
// the agent actually attaches (infra/logging/alloy.ts) — so a rule cannot silently match nothing.
import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parser } from "@grafana/lezer-logql";
import { RE2JS } from "re2js";
import { parse } from "yaml";
import { severities } from "../../../infra/observability/alerts";
import { metadataFields, streamLabels } from "../../../infra/logging/alloy";
import { accessLogFormat } from "../../../infra/edge/gateway";
import { logsDashboardPanels } from "../../../infra/logging/dashboard";
import { logAlertDefinitions, logRunbookFiles, lokiRulesYaml, accessRecordingRules } from "../../../infra/logging/rules";
import { dashboards } from "../../../infra/monitoring/dashboards";
import { repoRoot, stackConfig } from "../monitoring/helpers";

interface Node {
    name: string;
    text: string;
    error: boolean;
    children: Node[];
}

function tree(query: string): Node {
    const root: Node = { name: "root", text: query, error: false, children: [] };
    const stack = [root];
    parser.parse(query).iterate({
        enter: (n) => {
            const node = { name: n.type.name, text: query.slice(n.from, n.to), error: n.type.isError, children: [] };
            stack[stack.length - 1].children.push(node);
            stack.push(node);
        },
        leave: () => void stack.pop(),
    });
    return root.children[0];
}
const all = (n: Node): Node[] => [n, ...n.children.flatMap(all)];
const unquote = (s: string) => JSON.parse(s.startsWith("`") ? JSON.stringify(s.slice(1, -1)) : s) as string;

/** What is wrong with one LogQL expression; [] when it parses and uses only the agent's labels. */
function logqlProblems(query: string, known: readonly string[]): string[] {
    const nodes = all(tree(query));
    const problems = nodes.filter((n) => n.error).map(() => `syntax error in ${query}`);
    for (const m of nodes.filter((n) => n.name === "Matcher")) {
        const [label, op, value] = m.children;
        if (!known.includes(label.text)) problems.push(`label ${label.text} is never attached by the agent`);
        if (value && (op.name === "Re" || op.name === "Nre")) {
            try {
                RE2JS.compile(unquote(value.text));
            } catch {
                problems.push(`RE2 rejects ${value.text}`);
            }
        }
    }
    for (const f of nodes.filter((n) => n.name === "LineFilter")) {
        const value = f.children.find((c) => c.name === "String");
        if (f.children.some((c) => c.name === "Filter" && /~/.test(c.text)) && value) {
            try {
                RE2JS.compile(unquote(value.text));
            } catch {
                problems.push(`RE2 rejects ${value.text}`);
            }
        }
    }
    for (const g of nodes.filter((n) => n.name === "Grouping")) {
        for (const id of all(g).filter((n) => n.name === "Identifier"))
            if (!known.includes(id.text)) problems.push(`grouping by ${id.text}, which no stream has`);
    }
    return problems;
}

const known = [...streamLabels, ...metadataFields];

describe("logging: Loki rules and LogQL", () => {
    for (const def of logAlertDefinitions()) {
        it(`${def.name}: parses as a LogQL metric query compared with a threshold, on labels the agent attaches`, () => {
            assert.deepEqual(logqlProblems(def.expr, known), []);
            const expr = tree(def.expr).children[0].children[0];
            assert.equal(expr.name, "MetricExpr");
            assert.equal(expr.children[0].name, "BinOpExpr", "an alert compares with a threshold");
        });
    }

    it("groups the access class only by fields Envoy's access log carries or the agent attaches", () => {
        const accessQueries = [
            ...logAlertDefinitions().map((d) => d.expr),
            ...accessRecordingRules.map((r) => r.expr),
            ...logsDashboardPanels.flat().map((p) => p.expr),
        ].filter((e) => e.includes('log_class="access"'));
        assert.ok(accessQueries.length > 0);
        for (const expr of accessQueries) {
            for (const g of all(tree(expr)).filter((n) => n.name === "Grouping")) {
                for (const id of all(g).filter((n) => n.name === "Identifier"))
                    assert.ok(id.text in accessLogFormat || (streamLabels as readonly string[]).includes(id.text), `${id.text} in ${expr}`);
            }
        }
    });

    for (const rule of accessRecordingRules) {
        it(`${rule.record}: a LogQL metric query on labels the agent attaches, named as Prometheus accepts a metric`, () => {
            assert.deepEqual(logqlProblems(rule.expr, known), []);
            assert.equal(tree(rule.expr).children[0].children[0].name, "MetricExpr");
            // Prometheus' metric name syntax (prometheus.io/docs/concepts/data_model): recorded names may hold colons.
            assert.match(rule.record, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
        });
    }

    it("the LogQL check catches a syntax error, a label the agent never sets, a grouping no stream has and a regex RE2 rejects", () => {
        assert.ok(logqlProblems('sum(count_over_time({app="detector"}[5m]) >', known).some((p) => p.startsWith("syntax error")));
        assert.deepEqual(logqlProblems('count_over_time({application="detector"}[5m])', known), [
            "label application is never attached by the agent",
        ]);
        assert.deepEqual(logqlProblems('sum by (user) (count_over_time({app="detector"}[5m]))', known), [
            "grouping by user, which no stream has",
        ]);
        assert.deepEqual(logqlProblems('count_over_time({app=~"(?<=x)detector"}[5m])', known), ['RE2 rejects "(?<=x)detector"']);
    });

    for (const row of logsDashboardPanels) {
        for (const panel of row) {
            it(`dashboard panel "${panel.title}" parses as LogQL`, () => {
                // `| json message="message"` extracts a message label for the top-errors table.
                assert.deepEqual(logqlProblems(panel.expr, [...known, "message"]), []);
            });
        }
    }

    it("renders the rule groups Loki's ruler reads, with the severity and service labels Alertmanager routes on", () => {
        const groups = (parse(lokiRulesYaml({})) as { groups: Array<{ name: string; rules: Array<Record<string, any>> }> }).groups;
        const rules = groups.flatMap((g) => g.rules).filter((r) => r.alert);
        assert.deepEqual(
            groups
                .flatMap((g) => g.rules)
                .filter((r) => r.record)
                .map((r) => r.record),
            accessRecordingRules.map((r) => r.record),
        );
        assert.deepEqual(rules.map((r) => r.alert).sort(), [
            "BackupRunnerErrors",
            "DetectorErrorLogBurst",
            "RepeatedAuthenticationFailures",
        ]);
        for (const r of rules) {
            assert.ok((severities as readonly string[]).includes(r.labels.severity), r.alert);
            assert.ok(r.labels.service, r.alert);
            assert.ok(existsSync(join(repoRoot, r.annotations.runbook_url)), `${r.annotations.runbook_url} exists`);
        }
        assert.match(
            lokiRulesYaml({ runbookBaseUrl: "https://example.org/repo/blob/main" }),
            /runbook_url: https:\/\/example\.org\/repo\/blob\/main\/docs\/logging\/runbooks\/DetectorErrorLogBurst\.md/,
        );
    });

    it("BackupRunnerErrors matches the runner's failure line and not its success line", () => {
        const def = logAlertDefinitions().find((d) => d.name === "BackupRunnerErrors")!;
        const filter = unquote(
            all(tree(def.expr))
                .find((n) => n.name === "LineFilter")!
                .children.find((c) => c.name === "String")!.text,
        );
        // src/backup/cli.ts: one line "error: <what failed>" on stderr on failure; anything else is not an error.
        assert.ok(RE2JS.compile(filter).matcher("error: upload of db/20261130T011500Z/dump.pgc failed: checksum mismatch").find());
        assert.ok(!RE2JS.compile(filter).matcher("db-dump 20261130T011500Z: 12.3 MiB, sha256 ok").find());
    });

    it("the runbooks in docs/logging/runbooks are the ones the definitions generate (npm run logging:docs)", () => {
        for (const file of logRunbookFiles()) {
            assert.equal(readFileSync(join(repoRoot, file.path), "utf8"), file.content, `${file.path} is stale: run npm run logging:docs`);
            for (const heading of ["## What it means", "## First commands", "## Mitigation", "## Escalation"])
                assert.ok(file.content.includes(heading));
        }
    });
});

describe("logging: from the detector's metrics to its logs", () => {
    it("links the detector dashboard's per-pod panels to the same pod's logs in Loki", () => {
        const detector = dashboards(stackConfig("production").monitoring, "pneumonia").find((d) => d.uid === "pneumonia-detector")!;
        const panels = (
            detector.json.panels as Array<{ title: string; fieldConfig: { defaults: { links?: Array<{ url: string }> } } }>
        ).filter((p) => p.fieldConfig.defaults.links);
        assert.deepEqual(
            panels.map((p) => p.title),
            ["CPU against limit", "Memory against limit"],
        );
        const url = new URL(panels[0].fieldConfig.defaults.links![0].url, "http://grafana");
        assert.equal(url.pathname, "/explore");
        // What Grafana navigates to once it has interpolated the data link variables.
        const pane = JSON.parse(
            url.searchParams
                .get("panes")!
                .replace("${__field.labels.pod}", "detector-7d9f-abcde")
                .replace("${__from}", "1")
                .replace("${__to}", "2"),
        ).a;
        assert.equal(pane.datasource, "loki");
        assert.equal(pane.queries[0].expr, '{namespace="pneumonia", app="detector", pod="detector-7d9f-abcde"}');
        assert.deepEqual(logqlProblems(pane.queries[0].expr, known), []);
    });
});

describe("logging: docs/logging.md", () => {
    it("gives LogQL for the manual's questions that parses and uses only the agent's labels", () => {
        const doc = readFileSync(join(repoRoot, "docs", "logging.md"), "utf8");
        const section = doc.slice(doc.indexOf("## Searching"), doc.indexOf("## Alerts"));
        const queries = section
            .split("\n")
            .filter((l) => l.startsWith("| ") && !l.startsWith("| Question") && !l.startsWith("| ---"))
            .map((l) => /`([^`]+)`\s*(\([^)]*\))?\s*\|\s*$/.exec(l.replace(/\\\|/g, "\u0000"))?.[1].replaceAll("\u0000", "|"))
            .filter((q): q is string => q !== undefined);
        assert.ok(queries.length >= 8, `found ${queries.length} queries`);
        for (const q of queries) assert.deepEqual(logqlProblems(q, known), [], q);
    });
});
