// ESM consumer: every public package by its bare name, as `import` resolves it from the installed tarballs.
const names = JSON.parse(process.argv[2])
const result = {}
for (const name of names) {
  const namespace = await import(name)
  result[name] = Object.fromEntries(Object.entries(namespace).map(([key, value]) => [key, typeof value]))
}
console.log(JSON.stringify(result))
