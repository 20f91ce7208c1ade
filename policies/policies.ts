// The pack's policies, in one list that index.ts (the engine's entry point) and the in-process
// evaluator (src/policy) both use. Importing this module starts nothing.
import { ciRoleTrust } from "./aws/ci-role-trust";
import { costAllocationTags } from "./aws/cost-allocation-tags";
import { ec2NoPublicIngress } from "./aws/ec2-no-public-ingress";
import { ecrImmutableTags, ecrScanOnPush } from "./aws/ecr";
import { iamNoWildcardDataResources, iamNoWildcardWriteActions } from "./aws/iam";
import { kmsKeyRotation } from "./aws/kms-key-rotation";
import { rdsBackupRetention, rdsDeletionProtection, rdsMultiAz, rdsNotPublic, rdsStorageEncrypted } from "./aws/rds";
import { s3BackupBucketLifecycle } from "./aws/s3-backup-bucket-lifecycle";
import { s3BackupBucketObjectLock } from "./aws/s3-backup-bucket-object-lock";
import { s3BucketKmsEncryption } from "./aws/s3-bucket-kms-encryption";
import { s3BucketOwnerEnforced } from "./aws/s3-bucket-owner-enforced";
import { s3BucketPublicAccessBlock } from "./aws/s3-bucket-public-access-block";
import { s3BucketTlsOnly } from "./aws/s3-bucket-tls-only";
import { s3BucketVersioning } from "./aws/s3-bucket-versioning";
import { kubernetesDropAllCapabilities } from "./kubernetes/drop-all-capabilities";
import { kubernetesHelmChartPinned } from "./kubernetes/helm-chart-pinned";
import { kubernetesHelmImagesByDigest } from "./kubernetes/helm-images-by-digest";
import { kubernetesImagePinned } from "./kubernetes/image-pinned";
import { kubernetesJobLifecycle } from "./kubernetes/job-lifecycle";
import { kubernetesMinReplicas } from "./kubernetes/min-replicas";
import { kubernetesNamespacePodSecurity } from "./kubernetes/namespace-pod-security";
import { kubernetesNetworkPolicy } from "./kubernetes/network-policy";
import { kubernetesNoDetectorStandin } from "./kubernetes/no-detector-standin";
import { kubernetesNoHostNamespaces } from "./kubernetes/no-host-namespaces";
import { kubernetesNoHostPath } from "./kubernetes/no-host-path";
import { kubernetesNoHostPorts } from "./kubernetes/no-host-ports";
import { kubernetesNoPrivilegeEscalation } from "./kubernetes/no-privilege-escalation";
import { kubernetesNoPrivileged } from "./kubernetes/no-privileged";
import { kubernetesNoPublicLoadBalancer } from "./kubernetes/no-public-load-balancer";
import { kubernetesPublicListenerTls } from "./kubernetes/public-listener-tls";
import { kubernetesPodDisruptionBudget } from "./kubernetes/pod-disruption-budget";
import { kubernetesProbes } from "./kubernetes/probes";
import { kubernetesReadOnlyRootFilesystem } from "./kubernetes/read-only-root-filesystem";
import { kubernetesResources } from "./kubernetes/resources";
import { kubernetesRunAsNonRoot } from "./kubernetes/run-as-non-root";
import { kubernetesSecretsInEnv } from "./kubernetes/secrets-in-env";
import { kubernetesSeccomp } from "./kubernetes/seccomp";
import type { PlatformPolicy } from "./lib/definitions";
import { stackDataStoreBackups } from "./stack/data-store-backups";
import { stackEdgeProtection } from "./stack/edge-protection";
import { stackEvidenceBucket } from "./stack/evidence-bucket";
import { stackImageAdmission } from "./stack/image-admission";
import { stackMonitoring } from "./stack/monitoring";
import { stackSecurityFindings } from "./stack/security-findings";
import { stackServiceAndMonitor } from "./stack/service-and-monitor";

export const packName = "pneumonia-platform";
export const packEnforcementLevel = "mandatory";

export const policies: PlatformPolicy[] = [
    s3BucketKmsEncryption,
    s3BucketVersioning,
    s3BucketPublicAccessBlock,
    s3BucketTlsOnly,
    s3BucketOwnerEnforced,
    s3BackupBucketLifecycle,
    s3BackupBucketObjectLock,
    kmsKeyRotation,
    costAllocationTags,
    rdsStorageEncrypted,
    rdsBackupRetention,
    rdsMultiAz,
    rdsDeletionProtection,
    rdsNotPublic,
    ecrImmutableTags,
    ecrScanOnPush,
    iamNoWildcardWriteActions,
    iamNoWildcardDataResources,
    ciRoleTrust,
    ec2NoPublicIngress,
    kubernetesResources,
    kubernetesRunAsNonRoot,
    kubernetesReadOnlyRootFilesystem,
    kubernetesNoPrivilegeEscalation,
    kubernetesDropAllCapabilities,
    kubernetesSeccomp,
    kubernetesNoPrivileged,
    kubernetesNoHostNamespaces,
    kubernetesNoHostPath,
    kubernetesNoHostPorts,
    kubernetesImagePinned,
    kubernetesProbes,
    kubernetesMinReplicas,
    kubernetesPodDisruptionBudget,
    kubernetesNetworkPolicy,
    kubernetesNoPublicLoadBalancer,
    kubernetesPublicListenerTls,
    kubernetesSecretsInEnv,
    kubernetesJobLifecycle,
    kubernetesNamespacePodSecurity,
    kubernetesHelmChartPinned,
    kubernetesHelmImagesByDigest,
    kubernetesNoDetectorStandin,
    stackDataStoreBackups,
    stackMonitoring,
    stackImageAdmission,
    stackServiceAndMonitor,
    stackEdgeProtection,
    stackSecurityFindings,
    stackEvidenceBucket,
];
