// client.mjs - drives `kaivo mcp` with the official TypeScript SDK client,
// over stdio or Streamable HTTP, and checks what a real client sees.
// Usage: node client.mjs stdio KAIVO WORKSPACE
//        node client.mjs http URL TOKEN
// Exit status 0 when every check passed; the failure is printed otherwise.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [mode, a, b] = process.argv.slice(2);

function check(ok, what) {
  if (!ok) {
    console.error(`FAIL: ${what}`);
    process.exit(1);
  }
  console.error(`ok: ${what}`);
}

function transport() {
  if (mode === "stdio")
    return new StdioClientTransport({ command: a, args: ["-w", b, "mcp"], stderr: "pipe" });
  return new StreamableHTTPClientTransport(new URL(a), {
    requestInit: { headers: { Authorization: `Bearer ${b}` } },
  });
}

const client = new Client({ name: "kaivo-e2e", version: "0" });
const t = transport();
await client.connect(t);
check(client.getServerVersion()?.name === "kaivo", "server name");
check(/untrusted/.test(client.getInstructions() ?? ""), "instructions warn about untrusted data");
if (mode === "http")
  check(typeof t.sessionId === "string" && t.sessionId.length >= 32, "session id");

const { tools } = await client.listTools();
check(tools.map((x) => x.name).sort().join() === "describe_table,list_tables,query,sync_status", "four tools");
check(tools.every((x) => x.annotations?.readOnlyHint === true && x.outputSchema), "read-only, with output schemas");

const lt = await client.callTool({ name: "list_tables", arguments: {} });
check(!lt.isError && lt.structuredContent.tables.length === 3, "list_tables");
const dt = await client.callTool({ name: "describe_table", arguments: { table: "campaigns", sample_rows: 2 } });
check(!dt.isError && dt.structuredContent.columns.some((c) => c.name === "id" && c.type === "INT64"), "describe_table");
check(dt.structuredContent.row_count > 0 && dt.structuredContent.last_synced_at, "row count and last sync");

const q = await client.callTool({ name: "query", arguments: { sql: "SELECT count(*) AS n FROM campaigns", max_rows: 5 } });
check(!q.isError && q.structuredContent.rows[0][0] === dt.structuredContent.row_count, "query count");
check(q.content[0].type === "text" && JSON.parse(q.content[0].text).row_count === 1, "text block mirrors the result");
const ss = await client.callTool({ name: "sync_status", arguments: {} });
check(!ss.isError && ss.structuredContent.last_run?.status === "ok", "sync_status");

const hostile = [
  "DELETE FROM campaigns",
  "DROP TABLE campaigns",
  `ATTACH '${process.env.KAIVO_WS ?? "."}/.kaivo/state.db' AS s`,
  "ATTACH '/etc/passwd' AS p",
  "PRAGMA writable_schema = 1",
  "SELECT load_extension('/tmp/x.so')",
  "SELECT 1; DELETE FROM campaigns",
  "SELECT * FROM sqlite_master",
];
for (const sql of hostile) {
  const r = await client.callTool({ name: "query", arguments: { sql } });
  check(r.isError === true && /refused|not authorized|only/.test(r.content[0].text), `refused: ${sql}`);
}
const cap = await client.callTool({ name: "query", arguments: { sql: "SELECT 1", max_rows: 1000000 } });
check(cap.isError === true, "max_rows above the cap is refused");
const slow = await client.callTool({ name: "query", arguments: {
  sql: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c", timeout_ms: 300 } });
check(slow.isError === true && /time limit/.test(slow.content[0].text), "runaway query stopped");

try {
  await client.callTool({ name: "nope", arguments: {} });
  check(false, "unknown tool rejected");
} catch (e) {
  check(e.code === -32602, "unknown tool is -32602");
}

const { resources } = await client.listResources();
check(resources.length === 3, "three schema resources");
const rr = await client.readResource({ uri: "kaivo://schema/newsletters" });
check(JSON.parse(rr.contents[0].text).table === "newsletters", "schema resource");
await client.ping();
await client.close();
console.error("all checks passed");
