/**
 * Runs a function directory under AWS's Node.js runtime interface client (the npm package aws-lambda-ric), the
 * program Lambda's Node.js runtimes run: it long-polls the Runtime API, loads the handler from the task root the way
 * Lambda resolves it (`index.handler` → `$LAMBDA_TASK_ROOT/index.mjs`, export `handler`), applies the
 * async/callback rules and posts the result or the error.
 *
 * The client's HTTP side is native code (aws-lambda-cpp over libcurl) built by its install scripts; the pretest
 * check (test/preflight) makes sure it is built before the suite runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface RicProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far (the function's console output, as the runtime formats it). */
  output(): string;
  readonly exited: Promise<number | null>;
  /** SIGKILL (Lambda freezes or kills the environment; it never asks the runtime to stop) and wait for the exit. */
  kill(): Promise<void>;
}

export interface RicOptions {
  /** The unpacked function package (Lambda's /var/task). */
  taskRoot: string;
  /** Handler string, e.g. `index.handler`. */
  handler: string;
  /** `host:port` of the Runtime API. */
  runtimeApi: string;
  /** Function settings Lambda passes as environment variables (e.g. TIDEGATE_CATALOG). */
  env?: Record<string, string>;
  /** Default 256, the template's LambdaMemoryMB default. */
  memoryMb?: number;
}

/** The runtime interface client's entry script, or a one-line reason it cannot be used. */
export function ricEntry(): string {
  const require = createRequire(import.meta.url);
  let pkgPath: string;
  try {
    pkgPath = require.resolve('aws-lambda-ric/package.json');
  } catch {
    throw new Error('aws-lambda-ric is not installed (an optional dependency whose native build needs cmake, autoconf, automake, libtool, make, g++ and python3): run npm test, whose pretest check installs and builds it');
  }
  const dir = dirname(pkgPath);
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin?: Record<string, string> };
  const bin = pkg.bin?.['aws-lambda-ric'];
  if (bin === undefined) throw new Error(`aws-lambda-ric at ${dir} declares no aws-lambda-ric bin`);
  // 3.x keeps the native client in dist/, 4.x at the package root.
  if (!existsSync(join(dir, 'dist', 'rapid-client.node')) && !existsSync(join(dir, 'rapid-client.node'))) {
    throw new Error(`aws-lambda-ric at ${dir} has no native client (rapid-client.node): its build failed; run npm test, whose pretest check rebuilds it`);
  }
  return join(dir, bin);
}

export function startRic(options: RicOptions): RicProcess {
  const memoryMb = options.memoryMb ?? 256;
  const functionName = 'tidegate-transform';
  // Lambda's environment for a Node.js function (the reserved variables), nothing inherited from the test runner
  // but PATH: a handler that depends on anything else would fail here as it would in Lambda.
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: options.taskRoot,
    _HANDLER: options.handler,
    AWS_LAMBDA_RUNTIME_API: options.runtimeApi,
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${process.versions.node.split('.')[0]}.x`,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/26/[$LATEST]0123456789abcdef0123456789abcdef',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    ...options.env,
  };
  // The client's CLI takes the handler as its argument and the task root as its working directory, as Lambda's
  // bootstrap starts it (cwd /var/task).
  const child = spawn(process.execPath, [ricEntry(), options.handler], { cwd: options.taskRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
