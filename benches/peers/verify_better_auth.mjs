// The bare verify rate of better-auth's own password hasher
// (`better-auth/crypto`: node:crypto scrypt N=16384 r=16 p=1, on the libuv
// thread pool) in one process with CONCURRENCY verifications in flight, as
// its server runs them: the ceiling of its login throughput.
//
//   node verify_better_auth.mjs SECONDS CONCURRENCY
// Prints `RESULT verify_better_auth rps=... verifies=...`.
import { hashPassword, verifyPassword } from "better-auth/crypto";

const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 8);
const password = "load test passphrase 4711";
const hash = await hashPassword(password);
const start = performance.now();
const end = start + seconds * 1000;
let total = 0;
async function worker() {
  while (performance.now() < end) {
    if (!(await verifyPassword({ hash, password }))) throw new Error("verify failed");
    total += 1;
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsed = (performance.now() - start) / 1000;
console.log(`RESULT verify_better_auth rps=${(total / elapsed).toFixed(1)} verifies=${total} concurrency=${concurrency} threadpool=${process.env.UV_THREADPOOL_SIZE ?? 4}`);
