import * as assert from "node:assert/strict";
import * as path from "node:path";
import { main } from "../../../src/health/cli";
import { parseServiceUrl, portForward } from "../../../src/health/port-forward";
import { fakeStack, opener } from "../release/fake-stack";
import { healthyScenario, startFakeServices, type FakeServices } from "./fake-services";
import { tsxNode } from "../../helpers/cli";

const kubectl = [...tsxNode, path.join(__dirname, "fake-kubectl.ts")];
const stagingContext = "arn:aws:eks:eu-west-1:111122223333:cluster/pneumonia-staging";

const inCluster = {
    detectorUrl: "http://detector.pneumonia.svc.cluster.local:8000",
    mlflowUrl: "http://mlflow.pneumonia.svc.cluster.local:5000",
    prometheusUrl: "http://prometheus.monitoring.svc:9090",
    alertmanagerUrl: "http://alertmanager.monitoring.svc:9093",
};

describe("health check through kubectl port-forward", () => {
    let services: FakeServices;
    before(async () => {
        services = await startFakeServices();
        const hostPort = (url: string) => url.replace("http://", "");
        process.env.FAKE_KUBECTL_ROUTES = JSON.stringify({
            "pneumonia/detector:8000": hostPort(services.endpoints.detector),
            "pneumonia/mlflow:5000": hostPort(services.endpoints.mlflow),
            "monitoring/prometheus:9090": hostPort(services.endpoints.prometheus),
            "monitoring/alertmanager:9093": hostPort(services.endpoints.alertmanager),
        });
        process.env.FAKE_KUBECTL_CONTEXT = stagingContext;
    });
    after(async () => {
        delete process.env.FAKE_KUBECTL_ROUTES;
        delete process.env.FAKE_KUBECTL_CONTEXT;
        await services.stop();
    });

    it("splits in-cluster Service URLs and rejects anything else", () => {
        assert.deepEqual(parseServiceUrl("http://mlflow.pneumonia.svc.cluster.local:5000"), {
            scheme: "http",
            service: "mlflow",
            namespace: "pneumonia",
            port: 5000,
            path: "",
        });
        assert.throws(() => parseServiceUrl("http://127.0.0.1:5000"), /not an in-cluster Service URL/);
    });

    it("reaches every endpoint from the stack outputs with the stack's kubeconfig context, then stops the forwards", async () => {
        services.scenario = healthyScenario();
        const out: string[] = [];
        const code = await main(["staging", "--port-forward"], {
            open: opener(fakeStack("staging", { outputs: inCluster })),
            env: {},
            kubectl,
            out: (t) => out.push(t),
        });
        assert.equal(code, 0, out.join("\n"));
        assert.match(out.join("\n"), /staging: healthy/);
    });

    it("stops with a line naming the endpoint when a forward cannot start", async () => {
        const outputs = { ...inCluster, prometheusUrl: "http://prometheus-missing.monitoring.svc:9090" };
        await assert.rejects(
            main(["staging", "--port-forward"], {
                open: opener(fakeStack("staging", { outputs })),
                env: {},
                kubectl,
                out: () => undefined,
            }),
            /prometheus: port-forward to monitoring\/prometheus-missing:9090: Error from server \(NotFound\): services "prometheus-missing" not found/,
        );
    });

    it("fails when the context is not the stack's", async () => {
        await assert.rejects(portForward({ kubectl, context: "kind-other" }, inCluster.detectorUrl), /context "kind-other" does not exist/);
    });
});
