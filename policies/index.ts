// The entry point `pulumi preview --policy-pack policies` runs. Constructing the pack starts the
// engine's gRPC server, so nothing else imports this file: tests and the CLI use ./policies.
import { PolicyPack } from "@pulumi/policy";
import { packEnforcementLevel, packName, policies } from "./policies";

new PolicyPack(packName, {
    description: "Security and resource rules of the Chest X-Ray Pneumonia Detector platform (AWS, Kubernetes, stack).",
    enforcementLevel: packEnforcementLevel,
    policies,
});
