// The emulator as a process: read the command line, build the server, listen, save the store on the way out.

import { pino } from 'pino';
import { parseCommandLine, usage, UsageError } from './cli.js';
import { buildEmulator } from './server.js';

async function main(): Promise<void> {
  let command;
  try {
    command = parseCommandLine(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`vvp-emulator: ${err.message}\n\n${usage}`);
    process.exit(2);
  }
  if (command.help) {
    process.stdout.write(usage);
    return;
  }
  const { options } = command;
  const log = pino({ level: options.logLevel, name: 'vvp-emulator' });
  const emulator = await buildEmulator(options, log);
  await emulator.app.listen({ host: options.host, port: options.port });
  const address = emulator.app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `${options.tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  // Announced whatever the log level: scripts and tests read the URL from this line.
  const announce = pino({ name: 'vvp-emulator', level: 'info' });
  announce.info({ url, adminApi: Boolean(options.adminToken), dataFile: options.dataFile, timings: options.timings }, 'vvp-emulator listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'vvp-emulator stopping');
    await emulator.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

await main();
