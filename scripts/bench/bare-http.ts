/**
 * Baseline of the server benchmark: a bare `node:http` server answering every request with the
 * small JSON body a KV get returns. The ceiling of this machine and load generator.
 *
 * @module scripts/bench/bare-http
 */
import { createServer } from 'node:http';

const body = JSON.stringify({ key: 'hello', value: 'world', expires_at: null });
createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1');
