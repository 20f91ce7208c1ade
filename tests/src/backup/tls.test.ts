// Database TLS as libpq and Node's TLS check it, against a real PostgreSQL 15 with a certificate
// from a throw-away CA. RDS clients are to verify the server (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html:
// download the CA bundle, sslmode=verify-full); libpq's sslmode table
// (https://www.postgresql.org/docs/15/libpq-ssl.html#LIBPQ-SSL-PROTECTION): verify-full checks the
// chain and that the host name matches the certificate; require alone checks neither.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mlflowFixture, runCli, startServers, type Servers } from "./harness";

/** A CA and a server certificate for DNS:localhost only (not 127.0.0.1), signed by it. */
function certificates(dir: string, name: string): { ca: string; cert: string; key: string } {
    const f = (suffix: string) => join(dir, `${name}-${suffix}`);
    const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
    openssl([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        `/CN=${name} test CA`,
        "-keyout",
        f("ca.key"),
        "-out",
        f("ca.pem"),
    ]);
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", f("server.key"), "-out", f("server.csr")]);
    writeFileSync(f("ext"), "subjectAltName=DNS:localhost\n");
    openssl([
        "x509",
        "-req",
        "-in",
        f("server.csr"),
        "-CA",
        f("ca.pem"),
        "-CAkey",
        f("ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        f("ext"),
        "-out",
        f("server.pem"),
    ]);
    return { ca: f("ca.pem"), cert: f("server.pem"), key: f("server.key") };
}

describe("backup runner: database TLS (PostgreSQL 15 with ssl=on)", function () {
    this.timeout(120_000);
    let servers: Servers;
    let dir: string;
    let ours: ReturnType<typeof certificates>;
    let other: ReturnType<typeof certificates>;
    const url = (host: string) => `${servers.pg.url("mlflow").replace("127.0.0.1", host)}?sslmode=require`;

    before(async () => {
        dir = mkdtempSync(join(tmpdir(), "pg-tls-"));
        ours = certificates(dir, "ours");
        other = certificates(dir, "other");
        servers = await startServers("mlflow", { tls: { certFile: ours.cert, keyFile: ours.key } });
        await servers.pg.query("mlflow", mlflowFixture);
    });
    after(async () => {
        await servers?.stop();
        if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("with the right CA bundle and the certificate's host name, db-dump and verify pass (verify-full)", async () => {
        const env = { ...servers.env, DATABASE_URL: url("localhost"), PGSSLROOTCERT: ours.ca };
        const dump = await runCli(["db-dump"], env);
        assert.equal(dump.code, 0, dump.stderr);
        const check = await runCli(["verify"], env);
        assert.equal(check.code, 0, check.stderr);
    });

    it("refuses a server whose certificate another CA signed", async () => {
        const result = await runCli(["db-dump"], { ...servers.env, DATABASE_URL: url("localhost"), PGSSLROOTCERT: other.ca });
        assert.equal(result.code, 1);
        assert.match(
            result.stderr,
            /^error: db-dump: cannot connect to database localhost:\d+\/mlflow: .*(self-signed certificate|unable to verify|certificate)/,
        );
    });

    it("refuses a host name the certificate does not name (verify-full, not verify-ca)", async () => {
        const result = await runCli(["db-dump"], { ...servers.env, DATABASE_URL: url("127.0.0.1"), PGSSLROOTCERT: ours.ca });
        assert.equal(result.code, 1);
        assert.match(result.stderr, /^error: db-dump: cannot connect to database 127\.0\.0\.1:\d+\/mlflow: .*(altnames|does not match)/);
    });

    it("PGSSLROOTCERT, not an sslrootcert in the URL, is what both node-postgres and pg_dump check against", async () => {
        const result = await runCli(["db-dump"], {
            ...servers.env,
            DATABASE_URL: `${url("localhost")}&sslrootcert=${other.ca}`,
            PGSSLROOTCERT: ours.ca,
        });
        assert.equal(result.code, 0, result.stderr);
    });

    it("without a root certificate, sslmode=require keeps libpq's meaning: encrypted, not verified", async () => {
        const result = await runCli(["db-dump"], { ...servers.env, DATABASE_URL: url("127.0.0.1") });
        assert.equal(result.code, 0, result.stderr);
    });
});
