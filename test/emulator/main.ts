/**
 * Runs the Zenodo emulator until killed:
 *   node test/emulator/main.ts [--port N] [--sandbox] [--index-delay MS] [--mode zenodo|invenio] [--doi-prefix P]
 * Prints the API base URL and the tokens.
 */
import { parseArgs } from 'node:util';
import { startEmulator } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    sandbox: { type: 'boolean', default: false },
    'index-delay': { type: 'string', default: '0' },
    mode: { type: 'string', default: 'zenodo' },
    'doi-prefix': { type: 'string' },
  },
});

const emulator = await startEmulator({
  port: Number(values.port),
  sandbox: values.sandbox,
  indexDelayMs: Number(values['index-delay']),
  mode: values.mode === 'invenio' ? 'invenio' : 'zenodo',
  ...(values['doi-prefix'] ? { doiPrefix: values['doi-prefix'] } : {}),
});

console.log(`${values.mode === 'invenio' ? 'InvenioRDM' : 'Zenodo'} emulator${values.sandbox ? ' (sandbox)' : ''} listening`);
console.log(`API base URL: ${emulator.apiUrl}`);
console.log(`Token:        ${emulator.token}`);
console.log(`Other token:  ${emulator.otherToken}`);

const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
