import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../platform/cluster";
import type { DatabaseConfig } from "./config";
import { databaseClientLabel, platformLabels } from "../platform/labels";
import { stackScopedName } from "../platform/names";
import type { Peer, PortRule } from "../platform/network";
import { healthProbes, singleInstanceStore } from "../platform/workload";

/** The Secret MLflow, the exporter and the backup jobs read; the same keys whichever database runs. */
export const connectionSecretName = "database-connection";
const postgresPort = 5432;
/** The official image's postgres user. */
const postgresUid = 999;

export interface DatabaseArgs {
    config: DatabaseConfig;
    stack: string;
    namespace: pulumi.Input<string>;
    /** Secret: from config `databasePassword`, or generated. */
    password: pulumi.Input<string>;
    tags: Record<string, string>;
    /** RDS only: the EKS cluster whose nodes may connect. */
    cluster?: ClusterConfig;
    /** Pods outside the app namespace that may connect (in-cluster only), e.g. the metrics exporter. */
    extraClients?: Peer[];
    protect: boolean;
    /** RDS only: delete without a final snapshot (DR drill stacks, which must leave nothing behind). */
    skipFinalSnapshot?: boolean;
}

/**
 * MLflow's Postgres: RDS (Multi-AZ, KMS, automated backups) in production, a StatefulSet of the
 * official image elsewhere. Either way consumers get one Secret, `database-connection`, and pods
 * labelled as database clients may reach it.
 */
export class Database extends pulumi.ComponentResource {
    public readonly connectionSecretName: pulumi.Output<string>;
    public readonly host: pulumi.Output<string>;
    /** host:port, a secret output (it names the production database). */
    public readonly endpoint: pulumi.Output<string>;
    /** Egress rule a client pod needs to reach the database. */
    public readonly clientEgress: PortRule;
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:database:Database", name, {}, opts);
        const { config } = args;
        if (config.kind === "rds" && !args.cluster)
            throw new Error(`${name}: an RDS database needs the cluster (VPC, subnets, node security group)`);

        const server = config.kind === "rds" ? this.rds(name, args) : this.inCluster(name, args);
        this.host = server.host;
        this.clientEgress = server.clientEgress;
        this.connectionSecretName = server.secret.metadata.name;
        this.endpoint = pulumi.secret(pulumi.interpolate`${server.host}:${postgresPort}`);
        this.ready = server.resources;
        this.registerOutputs({ connectionSecretName: this.connectionSecretName, endpoint: this.endpoint });
    }

    private connectionSecret(name: string, args: DatabaseArgs, host: pulumi.Input<string>): k8s.core.v1.Secret {
        const { config } = args;
        // RDS enforces TLS (rds.force_ssl); in-cluster traffic stays inside the namespace's NetworkPolicy.
        const sslmode = config.kind === "rds" ? "require" : "disable";
        const password = pulumi.output(args.password);
        return new k8s.core.v1.Secret(
            name,
            {
                metadata: {
                    name: connectionSecretName,
                    namespace: args.namespace,
                    labels: platformLabels("postgres", "database", args.stack),
                },
                type: "Opaque",
                stringData: {
                    host,
                    port: String(postgresPort),
                    dbname: config.name,
                    username: config.username,
                    password,
                    uri: pulumi.interpolate`postgresql://${config.username}:${password.apply(encodeURIComponent)}@${host}:${postgresPort}/${config.name}?sslmode=${sslmode}`,
                },
            },
            { parent: this },
        );
    }

    private rds(name: string, args: DatabaseArgs) {
        const { config } = args;
        const cluster = args.cluster!;
        const child = { parent: this };
        const key = new aws.kms.Key(
            `${name}-key`,
            { description: "Encrypts the MLflow database", enableKeyRotation: true, deletionWindowInDays: 30, tags: args.tags },
            child,
        );
        const subnets = new aws.rds.SubnetGroup(name, { subnetIds: cluster.privateSubnetIds, tags: args.tags }, child);
        const securityGroup = new aws.ec2.SecurityGroup(
            name,
            {
                vpcId: cluster.vpcId,
                description: "MLflow database: Postgres from the EKS nodes only",
                ingress: [
                    {
                        description: "Postgres from the cluster's nodes",
                        protocol: "tcp",
                        fromPort: postgresPort,
                        toPort: postgresPort,
                        securityGroups: [cluster.nodeSecurityGroupId],
                    },
                ],
                tags: args.tags,
            },
            child,
        );
        const parameters = new aws.rds.ParameterGroup(
            name,
            {
                family: `postgres${config.engineVersion.split(".")[0]}`,
                description: "MLflow database: TLS required",
                parameters: [{ name: "rds.force_ssl", value: "1" }],
                tags: args.tags,
            },
            child,
        );
        const instance = new aws.rds.Instance(
            name,
            {
                identifierPrefix: `${stackScopedName("mlflow", args.stack)}-`,
                engine: "postgres",
                engineVersion: config.engineVersion,
                instanceClass: config.instanceClass,
                allocatedStorage: config.allocatedStorageGb,
                maxAllocatedStorage: config.maxAllocatedStorageGb,
                storageType: "gp3",
                storageEncrypted: true,
                kmsKeyId: key.arn,
                dbName: config.name,
                username: config.username,
                password: args.password,
                port: postgresPort,
                multiAz: config.multiAz,
                publiclyAccessible: false,
                dbSubnetGroupName: subnets.name,
                vpcSecurityGroupIds: [securityGroup.id],
                parameterGroupName: parameters.name,
                backupRetentionPeriod: config.backupRetentionDays,
                backupWindow: "02:00-03:00",
                maintenanceWindow: "sun:04:00-sun:05:00",
                copyTagsToSnapshot: true,
                deleteAutomatedBackups: false,
                deletionProtection: config.deletionProtection,
                // A drill stack leaves nothing behind; any other stack keeps a last snapshot.
                ...(args.skipFinalSnapshot
                    ? { skipFinalSnapshot: true }
                    : { skipFinalSnapshot: false, finalSnapshotIdentifier: `${stackScopedName("mlflow", args.stack)}-final` }),
                autoMinorVersionUpgrade: true,
                performanceInsightsEnabled: true,
                performanceInsightsKmsKeyId: key.arn,
                enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
                tags: args.tags,
            },
            { ...child, protect: args.protect },
        );
        // RDS sits outside the cluster: clients need egress to its port wherever it lives in the VPC.
        const secret = this.connectionSecret(name, args, instance.address);
        return { host: instance.address, secret, clientEgress: { port: postgresPort } as PortRule, resources: [instance, secret] };
    }

    private inCluster(name: string, args: DatabaseArgs) {
        const { config } = args;
        const host = pulumi.interpolate`postgres.${args.namespace}.svc.cluster.local`;
        const secret = this.connectionSecret(name, args, host);
        const fromConnection = (envName: string, key: string) => ({
            name: envName,
            valueFrom: { secretKeyRef: { name: secret.metadata.name, key } },
        });
        const ready = {
            exec: { command: ["pg_isready", "-h", "127.0.0.1", "-p", String(postgresPort), "-U", config.username, "-d", config.name] },
        };
        const { statefulSet, service, selector } = singleInstanceStore(
            name,
            {
                appName: "postgres",
                component: "database",
                stack: args.stack,
                namespace: args.namespace,
                image: config.image,
                port: { name: "postgres", number: postgresPort },
                uid: postgresUid,
                resources: config.resources,
                storageSize: config.storageSize,
                dataPath: "/var/lib/postgresql/data",
                scratch: { run: "/var/run/postgresql", tmp: "/tmp" },
                container: {
                    env: [
                        fromConnection("POSTGRES_USER", "username"),
                        fromConnection("POSTGRES_PASSWORD", "password"),
                        fromConnection("POSTGRES_DB", "dbname"),
                        // A subdirectory: the volume's root holds lost+found, which initdb refuses.
                        { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                    ],
                    // First start runs initdb; five minutes covers a slow volume.
                    ...healthProbes(ready, 300),
                },
                clients: [{ pods: { ...databaseClientLabel } }, ...(args.extraClients ?? [])],
                dependsOn: [secret],
            },
            this,
        );
        return {
            host,
            secret,
            clientEgress: { port: postgresPort, peers: [{ pods: selector }] } as PortRule,
            resources: [secret, statefulSet, service],
        };
    }
}
