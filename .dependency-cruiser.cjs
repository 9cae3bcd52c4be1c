/**
 * Module boundaries (see docs/architecture.md): modules meet only through each other's index.ts,
 * the platform knows no module, shared code runs in browsers too, and nothing imports in a cycle.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make start-up order and reasoning fragile.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'one-door-per-module',
      severity: 'error',
      comment: 'Another module is reached only through its index.ts.',
      from: { path: '^src/server/modules/([^/]+)/' },
      to: {
        path: '^src/server/modules/([^/]+)/',
        pathNot: ['^src/server/modules/$1/', '^src/server/modules/[^/]+/index\\.ts$'],
      },
    },
    {
      name: 'outside-uses-module-index',
      severity: 'error',
      comment: 'Code outside the modules reaches a module only through its index.ts (tests included).',
      from: { path: '^(src/server/(?!modules/)|bench/|scripts/|e2e/|examples/)' },
      to: { path: '^src/server/modules/[^/]+/', pathNot: '^src/server/modules/[^/]+/index\\.ts$' },
    },
    {
      name: 'registries-through-the-bridge',
      severity: 'error',
      comment:
        'Registry data reaches other modules through the Digital Bridge (its reference services), never by import. ' +
        'Identity is the exception: it is run by the owner of the population register (see docs/decisions/0009).',
      from: {
        path: '^src/server/modules/([^/]+)/',
        pathNot: ['^src/server/modules/(registries|identity)/', '\\.test\\.ts$', '/testing/'],
      },
      to: { path: '^src/server/modules/registries/' },
    },
    {
      name: 'platform-knows-no-module',
      severity: 'error',
      comment: 'Platform code is cross-cutting and holds no domain rules.',
      from: { path: '^src/server/platform/' },
      to: { path: '^src/server/(modules/|app\\.ts|main\\.ts|cli\\.ts|context\\.ts)' },
    },
    {
      name: 'shared-is-portable',
      severity: 'error',
      comment: 'src/shared runs in browsers: no server code and no Node built-ins.',
      from: { path: '^src/shared/' },
      to: { path: ['^src/server/', '^web/'], dependencyTypes: ['local', 'npm', 'core'] },
    },
    {
      name: 'shared-no-node-core',
      severity: 'error',
      from: { path: '^src/shared/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'client-stands-alone',
      severity: 'error',
      comment: 'src/client is what partners install: it talks to Jokko over HTTP and imports no server code.',
      from: { path: '^src/client/' },
      to: { path: '^src/server/' },
    },
    {
      name: 'examples-use-the-published-client',
      severity: 'error',
      comment: 'An example does what a real partner would: public HTTP APIs and jokko/client only.',
      from: { path: '^examples/' },
      to: { path: '^src/(?!client/)' },
    },
    {
      name: 'web-not-server',
      severity: 'error',
      comment: 'Web apps talk to the server over HTTP only.',
      from: { path: '^web/' },
      to: { path: '^src/server/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', 'web/dist'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
