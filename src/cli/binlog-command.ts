import { Option, type Command } from 'commander';
import type { BinlogDumpOptions } from './binlog-dump-command.js';

/** `tidemark binlog …`: the commands; their work is in binlog-dump-command.ts. */
export function registerBinlogCommand(program: Command): void {
  const binlog = program.command('binlog').description('Binlog tools');
  binlog
    .command('dump')
    .description('Decode a binlog (files on disk or a server) and print its events')
    .option('--file <path>', "binlog file(s): a file, a directory or a glob (the server's on-disk format)")
    .option('--host <host>', 'read from this server (as a replica)')
    .option('--port <port>', 'server port', '3306')
    .option('--user <user>', 'server user (needs REPLICATION SLAVE)', 'root')
    .option('--password <password>', 'server password')
    .option('--password-env <name>', 'read the password from this environment variable')
    .option('--start <file:pos>', 'start at this position (with --file, POS alone for a single file)')
    .option(
      '--gtid <set>',
      'server: start after this GTID set (MySQL uuid:1-5) or at this GTID position (MariaDB 0-1-5)',
    )
    .option('--server-id <id>', 'replica server id to register with (default: random above 4000000000)')
    .option('--stop-at <file:pos>', 'stop before the event at or after this position')
    .option('--count <n>', 'stop after this many events')
    .option('--count-only', 'print only counts of events and rows, and events/s')
    .option('--follow', 'server: wait for new events at the end of the log instead of stopping')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (o: BinlogDumpOptions) => {
      // loaded on use: `tidemark --help` does not load the decoder and the replication client
      const { runBinlogDump } = await import('./binlog-dump-command.js');
      await runBinlogDump(o);
    });
}
