// npm run --silent docs:policies: regenerates docs/policies.md from the policy list and configs.
import * as fs from "node:fs";
import * as path from "node:path";
import { policies } from "../policies/policies";
import { policiesMarkdown } from "../src/policy/docs";

const file = path.resolve(__dirname, "../docs/policies.md");
fs.writeFileSync(file, policiesMarkdown(policies));
process.stdout.write(`wrote ${path.relative(process.cwd(), file)} (${policies.length} policies)\n`);
