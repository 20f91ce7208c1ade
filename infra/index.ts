// The Chest X-Ray Pneumonia Detector platform: config in, components composed, outputs out.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BackupBucket, backupBucketProtection } from "./backups/bucket";
import { BackupJobs } from "./backups/jobs";
import { RestoreJob, restoreServiceAccount, restoreSourceStatements } from "./backups/restore";
import { loadConfig } from "./config";
import { CostBudget } from "./capacity/budget";
import { RightSizing, sizedWorkloads } from "./capacity/right-sizing";
import { Database } from "./database/component";
import { Detector, detectorPorts } from "./detector/component";
import { Edge, edgeNamespace } from "./edge";
import { envoyProxyPodLabels } from "./edge/gateway";
import { workloadImage } from "./platform/image";
import { registryAccountId, stackAccountId } from "./images/config";
import { ImageAdmission } from "./images/admission";
import { ImageRepositories } from "./images/repositories";
import { selectorLabels } from "./platform/labels";
import { Mlflow, mlflowPort, mlflowServiceAccount } from "./mlflow/component";
import { PlatformNamespace } from "./platform/namespace";
import { SmokeCheck, smokeCheckPodLabels } from "./release/smoke-check";
import { inClusterLogBucket, ObjectStorage, objectStorePort } from "./object-store/component";
import { Logging } from "./logging";
import { Monitoring } from "./monitoring";
import { RolloutController } from "./release/controller";
import { LoadTest, loadTestPodLabels } from "./release/load-test";
import { chartNames } from "./monitoring/values";
import { Security } from "./security";

export = async () => {
    // Parsed before anything is declared: a config mistake stops the program with no resource registered.
    const config = loadConfig();
    const { environment, stack, kubernetes: cluster } = config;
    const production = environment === "production";
    // A DR drill stack (infra/backups/drill.ts) is destroyed at its end and shares its source's cluster.
    const drill = config.drill !== undefined;
    const protect = production && !drill;
    const tags = { project: "pneumonia-platform", environment, stack, "managed-by": "pulumi" };
    // Cost allocation: every AWS resource also says which component it belongs to (policies/aws/cost-allocation-tags.ts).
    const tagsFor = (component: string) => ({ ...tags, component });

    const kubernetes = new k8s.Provider("kubernetes", {
        context: cluster.context,
        kubeconfig: cluster.kubeconfig,
        enableServerSideApply: true,
    });
    const awsProvider = config.aws ? new aws.Provider("aws", { region: config.aws.region, defaultTags: { tags } }) : undefined;
    const providers = awsProvider ? [kubernetes, awsProvider] : [kubernetes];

    const app = new PlatformNamespace("app", { name: cluster.appNamespace, stack, component: "application" }, { provider: kubernetes });
    // A drill uses its source's monitoring stack and creates none: a second kube-prometheus-stack
    // would install the same CRDs, ClusterRoles and node-exporter host port into the same cluster,
    // and its alerts and backup metrics (the source's Pushgateway) would page the source's on-call.
    const monitoringNs = drill
        ? undefined
        : new PlatformNamespace(
              "monitoring",
              { name: cluster.monitoringNamespace, stack, component: "monitoring" },
              { provider: kubernetes },
          );
    const monitoringNamespace = monitoringNs?.name ?? pulumi.output(cluster.monitoringNamespace);

    const storage = new ObjectStorage(
        "storage",
        {
            config: config.objectStore,
            stack,
            namespace: app.name,
            tags: tagsFor("storage"),
            cluster: config.cluster,
            region: config.aws?.region,
            secretKey: config.secrets.objectStoreSecretKey,
            protect,
            forceDestroy: drill,
            ...backupBucketProtection(config.backups),
        },
        { providers },
    );
    if (storage.backupSecureBucket) {
        new BackupBucket(
            "backups",
            {
                bucket: storage.backupSecureBucket,
                config: config.backups,
                stack,
                region: config.aws!.region,
                tags: tagsFor("backups"),
                protect,
                forceDestroy: drill,
            },
            { providers },
        );
    }

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
            tags: tagsFor("database"),
            cluster: config.cluster,
            protect,
            skipFinalSnapshot: drill,
        },
        { providers },
    );

    // The registry account's stack owns every platform repository; a drill stack runs its source's images.
    const ownsRegistry = !drill && config.cluster !== undefined && stackAccountId(config.cluster) === registryAccountId(config);
    const registry = ownsRegistry
        ? new ImageRepositories("images", { images: config.images, tags: tagsFor("images"), protect }, { providers }).repositories
        : undefined;

    const backupImage = workloadImage(
        "backup-image",
        {
            image: config.backups.image,
            build: config.backups.build
                ? { context: ".", dockerfile: "images/backup/Dockerfile", tag: config.backups.build.tag }
                : undefined,
            repository: registry?.backup,
        },
        { providers },
    );
    const mlflowImage = workloadImage(
        "mlflow-image",
        {
            image: config.mlflow.image,
            build: config.mlflow.build
                ? {
                      context: "images/mlflow",
                      dockerfile: "images/mlflow/Dockerfile",
                      tag: config.mlflow.build.tag,
                      buildArgs: { MLFLOW_IMAGE: config.mlflow.image },
                  }
                : undefined,
            repository: registry?.mlflow,
        },
        { providers },
    );

    // A DR stack restores the source stack's latest backups before MLflow first starts.
    const restore = config.backups.restore
        ? new RestoreJob(
              "backup-restore",
              {
                  restore: config.backups.restore,
                  stack,
                  namespace: cluster.appNamespace,
                  image: backupImage,
                  storage: storage.accessFor(
                      "backup-restore",
                      cluster.appNamespace,
                      restoreServiceAccount,
                      [{ bucket: "artifacts", prefix: "mlflow", access: "read-write" }],
                      restoreSourceStatements(config.backups.restore),
                  ),
                  artifactBucket: storage.artifactBucket,
                  connectionSecretName: database.connectionSecretName,
                  databaseEgress: database.clientEgress,
              },
              { providers, dependsOn: [app, ...storage.ready, ...database.ready] },
          )
        : undefined;

    const mlflow = new Mlflow(
        "mlflow",
        {
            config: config.mlflow,
            image: mlflowImage,
            stack,
            namespace: app.name,
            monitoringNamespace,
            connectionSecretName: database.connectionSecretName,
            databaseEgress: database.clientEgress,
            artifactBucket: storage.artifactBucket,
            storage: storage.accessFor("mlflow", cluster.appNamespace, mlflowServiceAccount, [
                { bucket: "artifacts", prefix: "mlflow", access: "read-write" },
            ]),
            s3Endpoint: storage.endpoint,
            clients: [{ pods: selectorLabels("detector", stack) }, { pods: smokeCheckPodLabels(stack) }],
        },
        { providers, dependsOn: [...storage.ready, ...database.ready, ...(restore ? [restore.job] : [])] },
    );

    // The controller that releases the detector as a canary (its CRDs must exist before the Rollout).
    // It is cluster-wide: a drill stack's Rollout is run by its source's controller.
    const rollouts = drill
        ? undefined
        : new RolloutController(
              "argo-rollouts",
              { environment, stack, namespace: "argo-rollouts", monitoringNamespace },
              { provider: kubernetes },
          );
    const prometheusUrl = pulumi.interpolate`http://${chartNames.prometheusService}.${monitoringNamespace}.svc:9090`;

    const detectorImage = workloadImage(
        "detector-image",
        { image: config.detector.image, build: config.detector.build ?? undefined, repository: registry?.detector },
        { providers },
    );
    const detector = new Detector(
        "detector",
        {
            config: config.detector,
            environment,
            stack,
            namespace: app.name,
            monitoringNamespace,
            image: detectorImage,
            mlflowUrl: mlflow.url,
            // Who may call the API in the cluster: the edge's Envoy proxies, the smoke check, staging's load test
            // (tests/platform/flows.test.ts proves every other caller refused).
            clients: [
                { namespace: edgeNamespace, pods: envoyProxyPodLabels },
                { pods: smokeCheckPodLabels(stack) },
                { pods: loadTestPodLabels(stack) },
            ],
            release: { canary: config.release.canary, hotfix: config.release.hotfix, prometheusUrl, metrics: config.monitoring.detector },
        },
        { provider: kubernetes, dependsOn: rollouts ? [rollouts] : [] },
    );

    const monitoring = drill
        ? undefined
        : new Monitoring(
              "monitoring",
              {
                  config: config.monitoring,
                  environment,
                  stack,
                  namespace: monitoringNamespace,
                  appNamespace: cluster.appNamespace,
                  secrets: config.secrets,
                  database: { connectionSecretName: database.connectionSecretName, egress: database.clientEgress },
                  aws: config.cluster ? { tags: tagsFor("monitoring") } : undefined,
              },
              { providers, dependsOn: [app, ...database.ready] },
          );

    // The log pipeline sits beside monitoring, and like it is the source's in a drill stack.
    const logging =
        monitoring && monitoringNs
            ? new Logging(
                  "logging",
                  {
                      config: config.logging,
                      environment,
                      monitoring: config.monitoring,
                      stack,
                      namespace: cluster.monitoringNamespace,
                      // The edge namespace too: its Envoy proxies write the front door's access log (retained as the access class).
                      collectedNamespaces: [cluster.appNamespace, cluster.monitoringNamespace, edgeNamespace],
                      alertmanagerUrl: `http://${chartNames.alertmanagerService}.${cluster.monitoringNamespace}.svc.cluster.local:9093`,
                      prometheusRemoteWriteUrl: `http://${chartNames.prometheusService}.${cluster.monitoringNamespace}.svc.cluster.local:9090/api/v1/write`,
                      store: storage.inClusterCredentials
                          ? {
                                kind: "in-cluster",
                                endpoint: storage.endpoint!,
                                bucket: inClusterLogBucket,
                                ...storage.inClusterCredentials,
                                server: {
                                    namespace: cluster.appNamespace,
                                    pods: selectorLabels("object-store", stack),
                                    port: objectStorePort,
                                },
                            }
                          : {
                                kind: "s3",
                                cluster: config.cluster!,
                                region: config.aws!.region,
                                tags: tagsFor("logging"),
                                protect: production,
                            },
                  },
                  { providers, dependsOn: [monitoringNs, monitoring.release, ...storage.ready] },
              )
            : undefined;

    // The front door: the only way in from outside the cluster, for callers holding a key. Its
    // controllers are cluster-wide and its host name public: a drill stack is checked in-cluster.
    const edge = drill
        ? undefined
        : new Edge(
              "edge",
              {
                  config: config.edge,
                  environment,
                  stack,
                  appNamespace: cluster.appNamespace,
                  monitoringNamespace: cluster.monitoringNamespace,
                  detector: { service: "detector", port: detectorPorts.http, pods: selectorLabels("detector", stack) },
                  dependencies: {
                      mlflow: {
                          url: `http://mlflow.${cluster.appNamespace}.svc:${mlflowPort}`,
                          port: mlflowPort,
                          pods: selectorLabels("mlflow", stack),
                      },
                      s3Region: config.objectStore.kind === "s3" ? config.aws?.region : undefined,
                  },
                  aws:
                      config.aws && config.cluster
                          ? { cluster: config.cluster, region: config.aws.region, tags: tagsFor("edge") }
                          : undefined,
                  protect: production,
              },
              { providers, dependsOn: [app, detector, ...(monitoring ? [monitoring] : [])] },
          );

    if (monitoring)
        new BackupJobs(
            "backups",
            {
                schedules: config.backups.schedules,
                stack,
                namespace: cluster.appNamespace,
                image: backupImage,
                storage: (name, namespace, serviceAccount, grants) => storage.accessFor(name, namespace, serviceAccount, grants),
                backupBucket: storage.backupBucket,
                artifactBucket: storage.artifactBucket,
                ...(storage.backupKmsKeyArn ? { backupKmsKeyArn: storage.backupKmsKeyArn } : {}),
                connectionSecretName: database.connectionSecretName,
                databaseEgress: database.clientEgress,
                pushgateway: {
                    url: monitoring.pushgatewayUrl,
                    egress: {
                        port: 9091,
                        peers: [{ namespace: cluster.monitoringNamespace, pods: { "app.kubernetes.io/name": "pushgateway" } }],
                    },
                },
                // What a fresh stack cannot regenerate and git does not hold: the generated credentials.
                configObjects: [
                    { namespace: cluster.appNamespace, kind: "secrets", name: "database-connection" },
                    ...(config.objectStore.kind === "in-cluster"
                        ? [{ namespace: cluster.appNamespace, kind: "secrets" as const, name: "object-store-credentials" }]
                        : []),
                ],
            },
            { providers, dependsOn: [app, ...(monitoringNs ? [monitoringNs] : []), ...storage.ready, ...database.ready] },
        );

    // VPA recommendations for the monthly capacity review; its CRDs and ClusterRoles are cluster-wide,
    // so a drill stack installs none and its source's recommender serves the cluster.
    if (!drill)
        new RightSizing(
            "right-sizing",
            { stack, namespace: monitoringNamespace, appNamespace: cluster.appNamespace, workloads: sizedWorkloads },
            { provider: kubernetes, dependsOn: [app, detector, mlflow, ...(monitoringNs ? [monitoringNs] : [])] },
        );

    // The environment's monthly AWS Budget, alerting the ticket queue; a drill stack runs in its
    // source's account and month, which the source's budget already covers.
    if (config.cost && awsProvider && !drill)
        new CostBudget("budget", { cost: config.cost, stack, tags: tagsFor("cost") }, { provider: awsProvider });

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
            triggers: [detector.podTemplate, mlflow.deployment.spec.template],
        },
        { provider: kubernetes, dependsOn: [detector, mlflow] },
    );

    // Staging: the load test that gates promotion, against the new version's pods.
    if (config.release.loadTest.enabled && monitoring) {
        new LoadTest(
            "load-test",
            {
                config: config.release.loadTest,
                stack,
                namespace: app.name,
                monitoringNamespace,
                targetUrl: detector.canaryUrl,
                image: detector.image,
                pushgatewayUrl: monitoring.pushgatewayUrl,
            },
            { provider: kubernetes, dependsOn: [detector, monitoring] },
        );
    }

    // Signed-image admission is cluster-wide (a webhook, a CRD): the source's covers a drill stack.
    const signingRegistry = registryAccountId(config);
    if (!drill && config.aws && signingRegistry) {
        new ImageAdmission(
            "image-admission",
            {
                environment,
                stack,
                namespaces: [cluster.appNamespace, cluster.monitoringNamespace],
                registryAccountId: signingRegistry,
                region: config.aws.region,
                signing: config.images.signing,
            },
            { provider: kubernetes },
        );
    }

    // --- security operations (infra/security, docs/security-operations.md) ---
    // Cluster-wide pieces (the forensics namespace) belong to the source stack in a drill.
    const security = drill
        ? undefined
        : new Security(
              "security",
              {
                  config: config.security,
                  environment,
                  stack,
                  namespaces: [app.name],
                  monitoringNamespace,
                  edgeClients: config.edge.clients,
                  aws:
                      config.aws && config.cluster
                          ? {
                                region: config.aws.region,
                                tags: tagsFor("security"),
                                runbookBaseUrl: config.monitoring.runbookBaseUrl,
                                endpoints: { page: config.secrets.securityPageEndpoint, ticket: config.secrets.securityTicketEndpoint },
                            }
                          : undefined,
                  protect,
              },
              { providers, dependsOn: [app, ...(monitoring ? [monitoring.release] : [])] },
          );
    // --- end security operations ---

    return {
        environment,
        detectorUrl: detector.url,
        ...(edge ? { edgeUrl: edge.url, edgeClientKeys: edge.clientKeys, edgeCertificate: edge.certificate } : {}),
        ...(edge?.accessLogBucket ? { edgeAccessLogBucket: edge.accessLogBucket } : {}),
        detectorImage: detector.image,
        mlflowUrl: mlflow.url,
        artifactBucket: storage.artifactBucket,
        backupBucket: storage.backupBucket,
        databaseEndpoint: database.endpoint,
        prometheusUrl,
        alertmanagerUrl: pulumi.interpolate`http://${chartNames.alertmanagerService}.${monitoringNamespace}.svc:9093`,
        ...(monitoring ? { grafanaService: monitoring.grafanaService, pushgatewayUrl: monitoring.pushgatewayUrl } : {}),
        ...(logging ? { lokiUrl: logging.queryUrl } : {}),
        ...(logging?.bucket ? { logBucket: logging.bucket } : {}),
        ...(storage.backupKmsKeyArn ? { backupKmsKeyArn: storage.backupKmsKeyArn } : {}),
        backupImage,
        mlflowImage,
        ...(security?.evidenceBucket ? { evidenceBucket: security.evidenceBucket } : {}),
    };
};
