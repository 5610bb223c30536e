/**
 * The unit suites alone: no emulators, no global setup. Mutation testing runs these for every mutant, so they must
 * stay fast and free of network.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
  testEnvironment: base.testEnvironment,
  roots: ['<rootDir>/test/unit'],
  testMatch: base.testMatch,
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  testTimeout: 10000,
};
