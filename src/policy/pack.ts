// The pack as the evaluator runs it: the policy list shared with policies/index.ts, and the
// version the engine would report (policies/package.json).
import { packEnforcementLevel, packName, policies } from "../../policies/policies";
import packageJson from "../../policies/package.json";
import type { Pack } from "./evaluate";

export const pack: Pack = { name: packName, version: packageJson.version, enforcementLevel: packEnforcementLevel, policies };
