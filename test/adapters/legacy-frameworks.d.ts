// Express 4 and Koa 2 are installed under aliases to run the shared table against the older majors in the
// adapters' peer ranges. Their APIs used here match the current majors, whose types the drivers use.
declare module 'express4' {
  const express: unknown
  export default express
}
declare module 'koa2' {
  const Koa: unknown
  export default Koa
}
