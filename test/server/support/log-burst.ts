/**
 * Writes `COUNT` request-log lines through the server's logger, then exits at once (as the server
 * does after `stopped`, or on a start-up failure): every line must still reach stdout.
 */
import { createLogger } from '../../../server/log.ts';

const logger = createLogger('info');
const count = Number(process.env.COUNT ?? 1000);
for (let i = 0; i < count; i++) logger.info({ request_id: `req_${i}`, status: 200 }, 'request');
logger.error({ code: 'LAST' }, 'last line before exit');
process.exit(Number(process.env.EXIT_CODE ?? 0));
