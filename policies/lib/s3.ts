// In aws v7 a bucket's settings are separate resources (versioning, encryption, policy, …). A bucket
// policy therefore looks at the stack: it joins each bucket to the settings resources that name it.
import * as aws from "@pulumi/aws";
import { UnknownValueError, type PolicyResource } from "@pulumi/policy";
import type * as pulumi from "@pulumi/pulumi";
import type { Identified } from "./definitions";

import type { ResourceClass } from "./kubernetes";

const bucketClasses: ResourceClass[] = [aws.s3.Bucket, aws.s3.BucketV2];

export const settings = {
    versioning: [aws.s3.BucketVersioning, aws.s3.BucketVersioningV2],
    encryption: [aws.s3.BucketServerSideEncryptionConfiguration, aws.s3.BucketServerSideEncryptionConfigurationV2],
    publicAccessBlock: [aws.s3.BucketPublicAccessBlock],
    ownership: [aws.s3.BucketOwnershipControls],
    policy: [aws.s3.BucketPolicy],
    acl: [aws.s3.BucketAcl, aws.s3.BucketAclV2],
    lifecycle: [aws.s3.BucketLifecycleConfiguration, aws.s3.BucketLifecycleConfigurationV2],
    objectLock: [aws.s3.BucketObjectLockConfiguration, aws.s3.BucketObjectLockConfigurationV2],
} satisfies Record<string, ResourceClass[]>;

export type SettingKind = keyof typeof settings;

/** A bucket's properties as the policy engine hands them: resolved, not Inputs. Settings resources name their bucket in `bucket` too. */
type BucketProps = { [K in keyof aws.s3.BucketArgs]-?: pulumi.Unwrap<NonNullable<aws.s3.BucketArgs[K]>> };

export interface BucketWithSettings {
    bucket: PolicyResource;
    /** Settings resources of one kind that apply to this bucket. */
    of(kind: SettingKind): PolicyResource[];
}

/**
 * A bucket property the provider may compute (its name, the deprecated inline settings): during
 * a preview of a new bucket these are unknown, which reads as unset rather than stopping the
 * policy, so a bucket configured through its settings resources passes its first preview too.
 */
export function computed<K extends keyof aws.s3.BucketArgs>(bucket: PolicyResource, key: K): BucketProps[K] | undefined {
    try {
        return bucket.props[key];
    } catch (e) {
        if (e instanceof UnknownValueError) return undefined;
        throw e;
    }
}

const isAny = (r: PolicyResource, classes: ResourceClass[]) => classes.some((c) => r.isType(c));

/**
 * Which bucket a settings resource configures: by the engine's property dependency on `bucket`
 * when it has one; else by the `bucket` value, which is the bucket's name (its `bucket` property,
 * its resource name) or, for buckets named from `bucketPrefix`, starts with that prefix.
 */
export function bucketOf(setting: PolicyResource, buckets: PolicyResource[]): PolicyResource | undefined {
    const dependencies = setting.propertyDependencies?.bucket ?? [];
    const byDependency = buckets.find((b) => dependencies.some((d) => d.urn === b.urn));
    if (byDependency || dependencies.length > 0) return byDependency;
    const name = computed(setting, "bucket");
    if (typeof name !== "string") return undefined;
    const exact = buckets.find((b) => computed(b, "bucket") === name || b.name === name || b.urn === name);
    if (exact) return exact;
    const prefix = (b: PolicyResource) => computed(b, "bucketPrefix");
    const prefixed = buckets.filter((b) => typeof prefix(b) === "string" && name.startsWith(prefix(b)!));
    return prefixed.sort((a, b) => prefix(b)!.length - prefix(a)!.length)[0];
}

export function bucketsWithSettings(resources: PolicyResource[]): BucketWithSettings[] {
    const buckets = resources.filter((r) => isAny(r, bucketClasses));
    const owners = new Map<PolicyResource, PolicyResource | undefined>();
    const allSettings = Object.values(settings).flat();
    for (const r of resources) if (isAny(r, allSettings)) owners.set(r, bucketOf(r, buckets));
    return buckets.map((bucket) => ({
        bucket,
        of: (kind) => [...owners].filter(([r, owner]) => owner === bucket && isAny(r, settings[kind])).map(([r]) => r),
    }));
}

export function matchesAny(names: string[], resource: Identified): boolean {
    return names.some((n) => n === resource.name || n === resource.urn || n === `${resource.type}::${resource.name}`);
}

export function describeBucket(bucket: PolicyResource): string {
    return `bucket ${bucket.name}`;
}
