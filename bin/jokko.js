#!/usr/bin/env node
// Runs on Node.js 24 or later, which executes the TypeScript sources directly (type stripping).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `jokko needs Node.js 24 or later (this is ${process.version}). Use "npm run jokko -- <command>" ` +
      'or "npx jokko <command>", which run the Node.js 24 that npm install brought into node_modules.\n',
  );
  process.exit(2);
}
const { runCli } = await import('../src/server/cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
