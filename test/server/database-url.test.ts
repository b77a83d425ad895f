/**
 * `DATABASE_URL` forms (server/db/url.ts): what is accepted and what each means, and what is
 * refused (with the accepted forms, password masked).
 */
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../server/db/url.ts';
import { maskUrl } from '../../server/startup/setup-error.ts';

describe('parseDatabaseUrl', () => {
  it.each([
    ['postgres://u:p@db:5432/app', { kind: 'postgres', url: 'postgres://u:p@db:5432/app' }],
    ['postgresql://u@db/app', { kind: 'postgres', url: 'postgresql://u@db/app' }],
    ['./data/saasignal.db', { kind: 'sqlite', file: './data/saasignal.db' }],
    ['/var/lib/saasignal/db.sqlite', { kind: 'sqlite', file: '/var/lib/saasignal/db.sqlite' }],
    ['C:\\data\\saasignal.db', { kind: 'sqlite', file: 'C:\\data\\saasignal.db' }],
    [':memory:', { kind: 'sqlite', file: ':memory:' }],
    ['sqlite:data/x.db', { kind: 'sqlite', file: 'data/x.db' }],
    ['sqlite:///var/x.db', { kind: 'sqlite', file: '/var/x.db' }],
    ['file:///var/x.db', { kind: 'sqlite', file: '/var/x.db' }],
    ['file:data/x.db?mode=rwc', { kind: 'sqlite', file: 'data/x.db' }],
  ])('%s', (url, want) => {
    expect(parseDatabaseUrl(url)).toEqual(want);
  });

  it.each(['mysql://root:pw@127.0.0.1/app', 'redis://127.0.0.1:6379', 'mongodb+srv://x', 'http://db/app'])('refuses %s', (url) => {
    expect(() => parseDatabaseUrl(url)).toThrow(/is not a database this server can use .*accepted: postgres:\/\/.*sqlite:.*file:.*plain file path/);
    expect(() => parseDatabaseUrl(url)).not.toThrow(/:pw@/);
  });

  it.each([
    ['postgres://u:secret@h/db', 'postgres://u:***@h/db'],
    ['postgres://u@h/db', 'postgres://u@h/db'],
  ])('masks the password of %s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });
});
