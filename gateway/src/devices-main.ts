#!/usr/bin/env node
import { text } from 'node:stream/consumers';
import { runDevicesCli } from './auth/devices-cli.js';

/** `npm run devices -- <command>`: the device registry CLI (see --help). */
runDevicesCli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  readStdin: () => text(process.stdin),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tidegate devices: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
