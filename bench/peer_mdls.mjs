// Runs VS Code's Markdown language server (vscode-markdown-languageserver, "MDLS") as a plain
// LSP server over stdio, so that bench/bench_scale.py --peer can drive it like codex-lsp.
//
// MDLS asks its client for Markdown tokens and file contents through custom requests
// (markdown/parse, markdown/fs/*, markdown/findMarkdownFilesInWorkspace). VS Code answers them
// in its Markdown extension; here this proxy answers them the same way (markdown-it tokens,
// Node's fs) and passes every other message through unchanged.
//
// Usage: node bench/peer_mdls.mjs PACKAGES_DIR
// where PACKAGES_DIR/node_modules holds vscode-markdown-languageserver, markdown-it and
// vscode-jsonrpc (bench_scale.py installs them with npm).

import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const packages = path.resolve(process.argv[2]);
const require = createRequire(path.join(packages, "package.json"));
const rpc = require("vscode-jsonrpc/node");
const MarkdownIt = require("markdown-it");

const md = MarkdownIt({ html: true, linkify: true });
const server = spawn(
  process.execPath,
  [path.join(packages, "node_modules/vscode-markdown-languageserver/dist/node/workerMain.js"), "--stdio"],
  { stdio: ["pipe", "pipe", "inherit"] },
);
const client = rpc.createMessageConnection(
  new rpc.StreamMessageReader(process.stdin),
  new rpc.StreamMessageWriter(process.stdout),
);
const mdls = rpc.createMessageConnection(
  new rpc.StreamMessageReader(server.stdout),
  new rpc.StreamMessageWriter(server.stdin),
);

const toPath = (uri) => fileURLToPath(uri);

async function markdownFiles(folder, found) {
  for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) await markdownFiles(full, found);
    else if (entry.name.endsWith(".md")) found.push(pathToFileURL(full).href);
  }
  return found;
}

// What VS Code's defaults give MDLS (its "markdown" settings section); diagnostics off, as a
// benchmark of requests does not wait for them.
const SETTINGS = {
  markdown: {
    server: { log: "off" },
    preferredMdPathExtensionStyle: "auto",
    suggest: { paths: { enabled: true, includeWorkspaceHeaderCompletions: "onDoubleHash" } },
    validate: { enabled: false },
    occurrencesHighlight: { enabled: false },
    updateLinksOnFileMove: { enabled: "never" },
  },
};

let roots = [];
const custom = {
  "markdown/parse": async ({ uri, text }) =>
    md.parse(text ?? (await fs.readFile(toPath(uri), "utf8")), {}),
  "markdown/fs/readFile": async ({ uri }) => Array.from(await fs.readFile(toPath(uri))),
  "markdown/fs/stat": async ({ uri }) => {
    try {
      return { isDirectory: (await fs.stat(toPath(uri))).isDirectory() };
    } catch {
      return undefined;
    }
  },
  "markdown/fs/readDirectory": async ({ uri }) =>
    (await fs.readdir(toPath(uri), { withFileTypes: true })).map((e) => [
      e.name,
      { isDirectory: e.isDirectory() },
    ]),
  "markdown/findMarkdownFilesInWorkspace": async () => {
    const found = [];
    for (const root of roots) await markdownFiles(root, found);
    return found;
  },
  "workspace/configuration": async ({ items }) =>
    items.map((i) => (i.section ? SETTINGS[i.section] ?? {} : SETTINGS)),
  "markdown/fs/watcher/create": async () => null,
  "markdown/fs/watcher/delete": async () => null,
};

client.onRequest((method, params) => {
  if (method === "initialize") {
    roots = (params.workspaceFolders ?? []).map((f) => toPath(f.uri));
  }
  return mdls.sendRequest(method, params);
});
client.onNotification((method, params) => {
  mdls.sendNotification(method, params);
  if (method === "initialized") {
    // VS Code pushes its settings to MDLS; until then MDLS completes nothing.
    mdls.sendNotification("workspace/didChangeConfiguration", { settings: SETTINGS });
  }
  if (method === "exit") setTimeout(() => process.exit(0), 100);
});
mdls.onRequest((method, params) =>
  method in custom ? custom[method](params) : client.sendRequest(method, params),
);
mdls.onNotification((method, params) => client.sendNotification(method, params));
server.on("exit", (code) => process.exit(code ?? 0));
client.listen();
mdls.listen();
