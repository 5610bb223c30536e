/** @type {import('jest').Config} */
const tsJest = (extra = {}) => [
  'ts-jest',
  { tsconfig: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0', isolatedModules: true, ...extra } },
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': tsJest(),
    // @middy/core ships only ES modules; jest runs CommonJS, so it is transpiled like our own code.
    '^.+/node_modules/@middy/.+\\.js$': tsJest({ allowJs: true }),
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
};
