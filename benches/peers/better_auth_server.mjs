// better-auth served with its documented defaults (email and password,
// SQLite through better-sqlite3, the Node handler), for benches/peers/run.sh.
// Rate limiting is switched off so the benchmark measures the work, not the
// limiter. One Node process, as better-auth documents it; its scrypt runs on
// the libuv thread pool, so password hashing uses every core.
//
//   PEERS_DB=/tmp/x.db PEERS_PORT=18102 node better_auth_server.mjs
import http from "node:http";
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";

const port = Number(process.env.PEERS_PORT ?? 18102);
const baseURL = `http://127.0.0.1:${port}`;
const auth = betterAuth({
  baseURL,
  secret: process.env.PEERS_SECRET ?? "peer-benchmark-secret-0123456789abcdef",
  database: new Database(process.env.PEERS_DB ?? "better_auth.db"),
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  trustedOrigins: [baseURL],
  telemetry: { enabled: false },
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();
http.createServer(toNodeHandler(auth)).listen(port, "127.0.0.1", () => {
  console.log(`better-auth on ${baseURL}`);
});
