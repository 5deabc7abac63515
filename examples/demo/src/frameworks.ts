/** The frameworks the demo can protect its API with; no imports, so argument checks stay instant. */
export const FRAMEWORKS = ['express', 'koa', 'fastify'] as const
export type Framework = (typeof FRAMEWORKS)[number]

export const FRAMEWORK_NAMES: Readonly<Record<Framework, string>> = { express: 'Express', koa: 'Koa', fastify: 'Fastify' }

export function isFramework(value: string): value is Framework {
  return (FRAMEWORKS as readonly string[]).includes(value)
}
