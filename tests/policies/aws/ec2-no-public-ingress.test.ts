import * as assert from "node:assert/strict";
import { messages } from "../check";
import { resource, securityGroup } from "../factory";

describe("aws/ec2-no-public-ingress", () => {
    it("passes private sources and HTTPS from anywhere", async () => {
        const list = [
            securityGroup("database", [{ protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-0abc"] }]),
            securityGroup("web", [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]),
        ];
        assert.deepEqual(await messages("ec2-no-public-ingress", list), []);
    });
    it("flags other ports, all protocols and IPv6 from anywhere, in groups and rule resources", async () => {
        const list = [
            securityGroup("open", [
                { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] },
                { protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] },
            ]),
            resource("aws:ec2/securityGroupRule:SecurityGroupRule", "pg", {
                type: "ingress",
                protocol: "tcp",
                fromPort: 5432,
                toPort: 5432,
                cidrBlocks: ["0.0.0.0/0"],
                securityGroupId: "sg-1",
            }),
            resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "http", {
                ipProtocol: "tcp",
                fromPort: 80,
                toPort: 80,
                cidrIpv4: "0.0.0.0/0",
                securityGroupId: "sg-1",
            }),
            resource("aws:ec2/securityGroupRule:SecurityGroupRule", "egress", {
                type: "egress",
                protocol: "-1",
                fromPort: 0,
                toPort: 0,
                cidrBlocks: ["0.0.0.0/0"],
                securityGroupId: "sg-1",
            }),
        ];
        assert.deepEqual(await messages("ec2-no-public-ingress", list), [
            "SecurityGroup open admits tcp port 22 from 0.0.0.0/0",
            "SecurityGroup open admits -1 port 0 from ::/0",
            "SecurityGroupRule pg admits tcp port 5432 from 0.0.0.0/0",
            "SecurityGroupIngressRule http admits tcp port 80 from 0.0.0.0/0",
        ]);
    });
});
