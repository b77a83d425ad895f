/**
 * Baseline of the server benchmark: a bare Express 5 app with one trivial route, the same shape
 * as a KV get (a path parameter, a JSON answer) and no middleware: what Express alone costs.
 *
 * @module scripts/bench/bare-express
 */
import express from 'express';

const app = express();
app.get('/infra/kv/:key', (req, res) => {
  res.json({ key: req.params.key, value: 'world', expires_at: null });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
