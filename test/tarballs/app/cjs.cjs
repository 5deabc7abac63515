// CommonJS consumer: require() of the ESM build (Node loads it synchronously, no flag, no warning).
const names = JSON.parse(process.argv[2])
const result = {}
for (const name of names) {
  const exports = require(name)
  result[name] = Object.fromEntries(Object.entries(exports).map(([key, value]) => [key, typeof value]))
}
console.log(JSON.stringify(result))
