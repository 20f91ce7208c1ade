// `incident preserve --snapshot`: EBS snapshots of the pod's node's volumes and of the pod's
// persistent volumes, tagged with the incident, taken with the AWS CLI (the repository has no EC2
// client): `aws ec2 describe-instances` for the node's volumes, `aws ec2 create-snapshot` for each
// (https://docs.aws.amazon.com/cli/latest/reference/ec2/create-snapshot.html).
import { awsCli as aws } from "../cli/aws";
import { kubectlJson } from "../release/kubectl";
import type { PodObject, Target } from "./isolate";

export interface Snapshot {
    volumeId: string;
    of: string;
    snapshotId: string;
}

/** The EBS volumes behind the pod: its node's (by the node's EC2 instance) and its persistent volumes'. */
export async function volumesOf(
    target: Target,
    pod: PodObject,
    node: { spec?: { providerID?: string } } | undefined,
    awsCommand: string[],
    region: string,
): Promise<{ volumeId: string; of: string }[]> {
    const volumes: { volumeId: string; of: string }[] = [];
    const instance = /^aws:\/\/\/[^/]+\/(i-[0-9a-f]+)$/.exec(node?.spec?.providerID ?? "")?.[1];
    if (instance) {
        const ids = (await aws(awsCommand, [
            "ec2",
            "describe-instances",
            "--region",
            region,
            "--instance-ids",
            instance,
            "--query",
            "Reservations[0].Instances[0].BlockDeviceMappings[].Ebs.VolumeId",
        ])) as string[] | null;
        for (const id of ids ?? []) volumes.push({ volumeId: id, of: `node ${pod.spec.nodeName} (${instance})` });
    }
    for (const volume of (pod.spec.volumes ?? []) as { name: string; persistentVolumeClaim?: { claimName: string } }[]) {
        if (!volume.persistentVolumeClaim) continue;
        const claim = await kubectlJson(target.access, [
            "--namespace",
            target.namespace,
            "get",
            "persistentvolumeclaim",
            volume.persistentVolumeClaim.claimName,
        ]);
        const pvName = (claim.object as { spec?: { volumeName?: string } } | undefined)?.spec?.volumeName;
        if (!pvName) continue;
        const pv = (await kubectlJson(target.access, ["get", "persistentvolume", pvName])).object as
            { spec?: { csi?: { volumeHandle?: string }; awsElasticBlockStore?: { volumeID?: string } } } | undefined;
        const id = pv?.spec?.csi?.volumeHandle ?? pv?.spec?.awsElasticBlockStore?.volumeID?.split("/").pop();
        if (id?.startsWith("vol-")) volumes.push({ volumeId: id, of: `volume ${volume.name} (${pvName})` });
    }
    return volumes;
}

export async function snapshot(
    volumes: { volumeId: string; of: string }[],
    awsCommand: string[],
    region: string,
    incident: string,
    description: string,
): Promise<Snapshot[]> {
    const taken: Snapshot[] = [];
    for (const v of volumes) {
        const result = (await aws(awsCommand, [
            "ec2",
            "create-snapshot",
            "--region",
            region,
            "--volume-id",
            v.volumeId,
            "--description",
            `${incident}: ${description}, ${v.of}`,
            "--tag-specifications",
            `ResourceType=snapshot,Tags=[{Key=incident,Value=${incident}}]`,
        ])) as { SnapshotId: string };
        taken.push({ ...v, snapshotId: result.SnapshotId });
    }
    return taken;
}
