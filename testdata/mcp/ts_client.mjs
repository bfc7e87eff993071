// The TypeScript SDK (a given copy: the current one, or 1.17 under an npm alias) against the
// server over stdio or streamable HTTP: connect, get_config, diff_config, close. Every error
// the SDK reports (client.onerror, transport.onerror) is printed as an `ERROR:` line, which
// the test script counts as a failure (1.17 reported "Unexpected end of JSON input" for the
// empty priming event of a session before 2025-11-25).
//
//   node ts_client.mjs SDK_DIR stdio BIN HOME
//   node ts_client.mjs SDK_DIR http URL TOKEN
import path from "node:path";
import { pathToFileURL } from "node:url";

const [sdkDir, transportName, a, b] = process.argv.slice(2);
const load = (p) => import(pathToFileURL(path.join(sdkDir, "dist/esm", p)).href);
const { Client } = await load("client/index.js");
let failed = false;
const check = (cond, what, detail) => {
  if (!cond) {
    console.log(`FAIL: ${what} ${JSON.stringify(detail)}`);
    failed = true;
  } else console.log(`ok: ${what}`);
};
const originalError = console.error;
console.error = (...args) => { failed = true; originalError("ERROR:", ...args); };

let transport;
if (transportName === "stdio") {
  const { StdioClientTransport } = await load("client/stdio.js");
  transport = new StdioClientTransport({ command: a, args: ["--home", b, "serve"], stderr: "pipe" });
} else {
  const { StreamableHTTPClientTransport } = await load("client/streamableHttp.js");
  transport = new StreamableHTTPClientTransport(new URL(a), {
    requestInit: { headers: { Authorization: `Bearer ${b}` } },
  });
}
const client = new Client({ name: "ts-sdk-test", version: "1" });
client.onerror = (e) => { failed = true; originalError("ERROR:", e?.message ?? e); };
const name = `ts ${transportName}`;
try {
  await client.connect(transport);
  const got = await client.callTool({ name: "get_config", arguments: { client_id: "cursor" } });
  const artifact = got.structuredContent ?? {};
  check(!got.isError && String(artifact.artifact_id).startsWith("sha256:"), `${name}: get_config`, got);
  const diff = await client.callTool({
    name: "diff_config",
    arguments: { client_id: "cursor", local_artifact_id: artifact.artifact_id },
  });
  check(!diff.isError && diff.structuredContent?.status === "up-to-date", `${name}: diff_config`, diff);
  if (transportName === "http" && transport.terminateSession) await transport.terminateSession();
} catch (e) {
  check(false, `${name}: session`, String(e?.stack ?? e));
} finally {
  await client.close();
}
process.exit(failed ? 1 : 0);
