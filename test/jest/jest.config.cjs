// A Jest 30 project as a user of @bearer-guard/testing would set it up: no transform, no babel, Jest's
// native ESM mode (`--experimental-vm-modules`, see test/jest/jest.test.ts for the command line).
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/*.test.mjs', '<rootDir>/*.test.cjs'],
  transform: {},
}
