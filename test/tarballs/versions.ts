/**
 * The framework versions the adapters' peer ranges claim, installed side by side under npm aliases in the
 * scratch app: the lower bound and the latest of every major (express `^4.21.0 || ^5.0.0`, koa
 * `^2.15.0 || ^3.0.0`, fastify `^5.0.0`). Change a peer range, change this table.
 */
export const frameworkVersions = {
  express: { framework: 'express', range: '^5.0.0', bound: 'latest 5' },
  'express-5-min': { framework: 'express', range: '5.0.0', bound: 'lower 5' },
  'express-4': { framework: 'express', range: '^4.21.0', bound: 'latest 4' },
  'express-4-min': { framework: 'express', range: '4.21.0', bound: 'lower 4' },
  koa: { framework: 'koa', range: '^3.0.0', bound: 'latest 3' },
  'koa-3-min': { framework: 'koa', range: '3.0.0', bound: 'lower 3' },
  'koa-2': { framework: 'koa', range: '^2.15.0', bound: 'latest 2' },
  'koa-2-min': { framework: 'koa', range: '2.15.0', bound: 'lower 2' },
  fastify: { framework: 'fastify', range: '^5.0.0', bound: 'latest 5' },
  'fastify-5-min': { framework: 'fastify', range: '5.0.0', bound: 'lower 5' },
} as const satisfies Record<string, { framework: 'express' | 'koa' | 'fastify'; range: string; bound: string }>

/** What a TypeScript user adds next to the README's install line (the adapters' optional type peers). */
export const toolDependencies: Record<string, string> = {
  typescript: '~5.9.3',
  '@types/node': '^20.19.0',
  '@types/express': '^5.0.0',
  '@types/koa': '^3.0.0',
}
