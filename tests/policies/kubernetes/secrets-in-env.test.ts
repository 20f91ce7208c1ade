import * as assert from "node:assert/strict";
import { messages } from "../check";
import { assertFlags, brokenDetector } from "./workloads";

describe("kubernetes/secrets-in-env", () => {
    it("passes every workload kind, flags a password in a plain value", async () => {
        await assertFlags(
            "kubernetes-no-secrets-in-env",
            (c) => (c.env = [{ name: "DB_PASSWORD", value: "hunter2" }]),
            /sets DB_PASSWORD as a plain value/,
        );
    });
    it("passes every workload kind, flags a URL carrying a password", async () => {
        await assertFlags(
            "kubernetes-no-secrets-in-env",
            (c) => (c.env = [{ name: "MLFLOW_BACKEND_STORE_URI", value: "postgresql://mlflow:hunter2@db:5432/mlflow" }]),
            /sets MLFLOW_BACKEND_STORE_URI to a value that looks like a credential/,
        );
    });

    it("never echoes the value of a secret-looking variable", async () => {
        const found = await messages("kubernetes-no-secrets-in-env", [
            brokenDetector((c) => (c.env = [{ name: "API_TOKEN", value: "s3cr3t-value" }])),
        ]);
        assert.equal(found.length, 1);
        assert.ok(!found[0].includes("s3cr3t-value"));
    });

    it("accepts secrets passed by secretKeyRef", async () => {
        const fromSecret = brokenDetector(
            (c) => (c.env = [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "database-connection", key: "password" } } }]),
        );
        assert.deepEqual(await messages("kubernetes-no-secrets-in-env", [fromSecret]), []);
    });
});
