/**
 * The system tools the test suite runs, the Debian packages that bring them, and the tests that need them. The
 * pretest check (main.ts) reads this table; test/unit/preflight.test.ts checks it against the test files.
 */

export interface SystemTool {
  /** The command looked up on PATH. */
  command: string;
  /** The Debian/Ubuntu package that installs it. */
  aptPackage: string;
  /** Test files (under test/) that fail without it. */
  neededBy: readonly string[];
}

const RIC_TEST = 'integration/lambda-ric.test.ts';

/**
 * Tools the tests start themselves: clients and servers this project did not write, so the tests check the
 * gateway against real peers (mosquitto_pub, Prometheus, Chromium, redis-server) and real validators.
 */
export const TEST_TOOLS: readonly SystemTool[] = [
  { command: 'mosquitto_pub', aptPackage: 'mosquitto-clients', neededBy: ['integration/spine.test.ts', 'integration/security-auth.test.ts', 'integration/security-tls.test.ts'] },
  { command: 'prometheus', aptPackage: 'prometheus', neededBy: ['integration/operators-view.test.ts'] },
  { command: 'chromium', aptPackage: 'chromium', neededBy: ['integration/dashboard.test.ts'] },
  { command: 'openssl', aptPackage: 'openssl', neededBy: ['integration/security-tls.test.ts'] },
  { command: 'docker-compose', aptPackage: 'docker-compose', neededBy: ['integration/compose-wiring.test.ts'] },
  { command: 'redis-server', aptPackage: 'redis-server', neededBy: ['integration/cluster.test.ts', 'integration/cluster-outage.test.ts'] },
  { command: 'unzip', aptPackage: 'unzip', neededBy: ['unit/transform-lambda.test.ts'] },
];

/**
 * What aws-lambda-ric's install scripts use to build its native client (curl and aws-lambda-cpp from the sources it
 * ships, then a node-gyp addon); needed only until it is built. Without them `npm ci` skips the package (it is an optional dependency, so that
 * `npm ci` itself never fails on a machine without a compiler) and the check builds it once they are installed.
 */
export const RIC_BUILD_TOOLS: readonly SystemTool[] = [
  { command: 'cmake', aptPackage: 'cmake', neededBy: [RIC_TEST] },
  { command: 'make', aptPackage: 'make', neededBy: [RIC_TEST] },
  { command: 'gcc', aptPackage: 'gcc', neededBy: [RIC_TEST] },
  { command: 'g++', aptPackage: 'g++', neededBy: [RIC_TEST] },
  { command: 'python3', aptPackage: 'python3', neededBy: [RIC_TEST] },
  { command: 'autoreconf', aptPackage: 'autoconf', neededBy: [RIC_TEST] },
  { command: 'automake', aptPackage: 'automake', neededBy: [RIC_TEST] },
  { command: 'libtoolize', aptPackage: 'libtool', neededBy: [RIC_TEST] },
];

export const ALL_TOOLS: readonly SystemTool[] = [...TEST_TOOLS, ...RIC_BUILD_TOOLS];
