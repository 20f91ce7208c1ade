// The Chest X-Ray Pneumonia Detector platform: config in, components composed, outputs out.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { loadConfig } from "./config";
import { Database } from "./components/database";
import { Detector, detectorPorts } from "./components/detector";
import { ContainerImage } from "./components/image";
import { selectorLabels } from "./components/labels";
import { Mlflow, mlflowPort, mlflowServiceAccount } from "./components/mlflow";
import { PlatformNamespace } from "./components/namespace";
import { SmokeCheck, smokeCheckPodLabels } from "./components/smoke-check";
import { ObjectStorage } from "./components/storage";
import { Monitoring } from "./monitoring";
import { chartNames } from "./monitoring/values";

export = async () => {
    // Parsed before anything is declared: a config mistake stops the program with no resource registered.
    const config = loadConfig();
    const { environment, stack, kubernetes: cluster } = config;
    const production = environment === "production";
    const tags = { project: "pneumonia-platform", environment, stack, "managed-by": "pulumi" };

    const kubernetes = new k8s.Provider("kubernetes", {
        context: cluster.context,
        kubeconfig: cluster.kubeconfig,
        enableServerSideApply: true,
    });
    const awsProvider = config.aws ? new aws.Provider("aws", { region: config.aws.region, defaultTags: { tags } }) : undefined;
    const providers = awsProvider ? [kubernetes, awsProvider] : [kubernetes];

    const app = new PlatformNamespace("app", { name: cluster.appNamespace, stack, component: "application" }, { provider: kubernetes });
    const monitoringNs = new PlatformNamespace("monitoring", { name: cluster.monitoringNamespace, stack, component: "monitoring" }, { provider: kubernetes });

    const storage = new ObjectStorage(
        "storage",
        {
            config: config.objectStore,
            stack,
            namespace: app.name,
            tags,
            cluster: config.cluster,
            region: config.aws?.region,
            secretKey: config.secrets.objectStoreSecretKey,
            protect: production,
        },
        { providers },
    );

    const databasePassword =
        config.secrets.databasePassword ??
        new random.RandomPassword("database-password", { length: 32, special: true, overrideSpecial: "-_.~" }).result;
    const database = new Database(
        "database",
        {
            config: config.database,
            stack,
            namespace: app.name,
            password: databasePassword,
            tags,
            cluster: config.cluster,
            protect: production,
        },
        { providers },
    );

    const mlflow = new Mlflow(
        "mlflow",
        {
            config: config.mlflow,
            stack,
            namespace: app.name,
            monitoringNamespace: monitoringNs.name,
            connectionSecretName: database.connectionSecretName,
            databaseEgress: database.clientEgress,
            artifactBucket: storage.artifactBucket,
            storage: storage.accessFor("mlflow", cluster.appNamespace, mlflowServiceAccount, [
                { bucket: "artifacts", prefix: "mlflow", access: "read-write" },
            ]),
            s3Endpoint: storage.endpoint,
            clients: [{ pods: selectorLabels("detector", stack) }, { pods: smokeCheckPodLabels(stack) }],
        },
        { providers, dependsOn: [...storage.ready, ...database.ready] },
    );

    const detectorImage = config.detector.build
        ? new ContainerImage(
              "detector-image",
              { repository: "pneumonia-detector", ...config.detector.build, tags },
              { providers },
          ).imageRef
        : pulumi.output(config.detector.image);
    const detector = new Detector(
        "detector",
        {
            config: config.detector,
            environment,
            stack,
            namespace: app.name,
            monitoringNamespace: monitoringNs.name,
            image: detectorImage,
            mlflowUrl: mlflow.url,
        },
        { provider: kubernetes },
    );

    const monitoring = new Monitoring(
        "monitoring",
        {
            config: config.monitoring,
            environment,
            stack,
            namespace: monitoringNs.name,
            appNamespace: cluster.appNamespace,
            secrets: config.secrets,
            database: { connectionSecretName: database.connectionSecretName, egress: database.clientEgress },
            aws: config.cluster ? { tags } : undefined,
        },
        { providers, dependsOn: [app, ...database.ready] },
    );

    // After `pulumi up` has rolled both out, the stack checks from inside the cluster that they answer.
    new SmokeCheck(
        "smoke-check",
        {
            stack,
            namespace: app.name,
            targets: [
                { name: "detector", service: detector.serviceName, port: detectorPorts.http, pods: selectorLabels("detector", stack) },
                { name: "mlflow", service: mlflow.serviceName, port: mlflowPort, pods: selectorLabels("mlflow", stack) },
            ],
            // Any rollout of either (a new image, new settings) re-runs the check.
            triggers: [detector.deployment.spec.template, mlflow.deployment.spec.template],
        },
        { provider: kubernetes, dependsOn: [detector, mlflow] },
    );

    return {
        environment,
        detectorUrl: detector.url,
        detectorImage: detector.image,
        mlflowUrl: mlflow.url,
        artifactBucket: storage.artifactBucket,
        backupBucket: storage.backupBucket,
        databaseEndpoint: database.endpoint,
        prometheusUrl: pulumi.interpolate`http://${chartNames.prometheusService}.${monitoringNs.name}.svc:9090`,
        alertmanagerUrl: pulumi.interpolate`http://${chartNames.alertmanagerService}.${monitoringNs.name}.svc:9093`,
        grafanaService: monitoring.grafanaService,
        pushgatewayUrl: monitoring.pushgatewayUrl,
    };
};
