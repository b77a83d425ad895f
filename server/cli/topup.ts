/**
 * `npm run topup -- <org_id> <tokens>`: the operator adds top-up tokens to an organization's
 * balance (there are no payments). Tokens may be fractional (`0.5` = 500,000 μt). Top-ups are the
 * organization's own; the `included_remaining` it prints is the owner's account allowance, shared
 * by all the owner's organizations (server/billing/balance.ts).
 *
 * @module server/cli/topup
 */
import { existsSync } from 'node:fs';
import { readBalance, topUp } from '../billing/balance.ts';
import { openDb } from '../db/index.ts';
import { exitWith } from '../startup/setup-error.ts';

// The settings `npm start` reads (.env, the environment winning), so both act on one database.
if (existsSync('.env')) process.loadEnvFile('.env');

const MICROTOKENS_PER_TOKEN = 1_000_000;

function fail(message: string): never {
  console.error(message);
  console.error('usage: npm run topup -- <org_id> <tokens>');
  process.exit(2);
}

const [orgId, amount] = process.argv.slice(2);
if (!orgId || !amount) fail('An organization id and an amount of tokens are required.');
if (!/^\d+(\.\d{1,6})?$/.test(amount)) fail(`"${amount}" is not a positive number of tokens (at most 6 decimals).`);
const microtokens = Math.round(Number(amount) * MICROTOKENS_PER_TOKEN);
if (!Number.isSafeInteger(microtokens) || microtokens <= 0) fail(`"${amount}" is not a positive amount.`);

const db = await openDb({ url: process.env.DATABASE_URL }).catch((err: unknown) => exitWith('top up', err));
try {
  if (!(await topUp(db, orgId, microtokens))) {
    console.error(`No organization ${orgId}.`);
    process.exitCode = 1;
  } else {
    const balance = (await readBalance(db, orgId))!;
    console.log(
      JSON.stringify({
        org_id: orgId,
        added: microtokens / MICROTOKENS_PER_TOKEN,
        included_remaining: balance.includedRemaining / MICROTOKENS_PER_TOKEN,
        topup_balance: balance.topupBalance / MICROTOKENS_PER_TOKEN,
        total: (balance.includedRemaining + balance.topupBalance) / MICROTOKENS_PER_TOKEN,
      }),
    );
  }
} finally {
  await db.close();
}
