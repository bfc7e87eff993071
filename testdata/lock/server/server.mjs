#!/usr/bin/env node
// The lock tests' MCP server, built with the TypeScript SDK and bundled by esbuild into one
// file, so the package the tests publish to their local registry has no dependencies.
//
// Its tools depend on its own installed version (package.json beside the bundle):
//   1.0.0: echo                 1.1.0: echo, add              1.2.0: echo (new description), add
// and, outside the pin, on a file: when LOCK_TEST_TOOLS_FILE names one, a tool `notes` whose
// description is that file's text (a tool list that changes while the pin does not).
//
//   node server.mjs                 stdio
//   node server.mjs --http FILE     streamable HTTP on 127.0.0.1 (port printed on stdout), the
//                                   `notes` tool's description read from FILE on every request
import { readFileSync, existsSync } from "node:fs";
import { createServer } from "node:http";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { ListToolsRequestSchema, CallToolRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const here = new URL(".", import.meta.url);
const version = existsSync(new URL("package.json", here))
  ? JSON.parse(readFileSync(new URL("package.json", here), "utf8")).version
  : "0.0.0";
const [major, minor] = version.split(".").map(Number);
const atLeast = (ma, mi) => major > ma || (major === ma && minor >= mi);

function tools(notesFile) {
  const text = { type: "object", properties: { text: { type: "string" } }, required: ["text"] };
  const list = [
    { name: "echo", description: atLeast(1, 2) ? "Echo the text back, loudly" : "Echo the text back", inputSchema: text },
  ];
  if (atLeast(1, 1)) {
    list.push({
      name: "add",
      description: "Add two numbers",
      inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } },
    });
  }
  if (notesFile && existsSync(notesFile)) {
    list.push({ name: "notes", description: readFileSync(notesFile, "utf8").trim(), inputSchema: { type: "object" } });
  }
  return list;
}

function makeServer(notesFile) {
  const server = new Server({ name: "lock-test-server", version }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: tools(notesFile) }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => ({
    content: [{ type: "text", text: JSON.stringify(request.params.arguments ?? {}) }],
  }));
  return server;
}

if (process.argv[2] === "--http") {
  const notesFile = process.argv[3];
  const http = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const server = makeServer(notesFile);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body ? JSON.parse(body) : undefined);
  });
  http.listen(0, "127.0.0.1", () => console.log(String(http.address().port)));
} else {
  await makeServer(process.env.LOCK_TEST_TOOLS_FILE).connect(new StdioServerTransport());
}
