//! The bare argon2id verify rate with agentmart's production parameters
//! (`HashingParams::OWASP`), the ceiling of login throughput; used by
//! `benches/peers/run.sh`.
//!
//! ```sh
//! cargo run --release -p agentmart-benches --example verify_rate -- SECONDS THREADS
//! ```
//! Prints `RESULT verify_agentmart rps=… verifies=… threads=…`.

use std::time::{Duration, Instant};

use agentmart_core::HashingParams;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let threads: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2);
    let p = HashingParams::OWASP;
    let params = Params::new(p.m_cost, p.t_cost, p.p_cost, None).expect("OWASP parameters are valid");
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let password = b"load test passphrase 4711";
    let phc = argon.hash_password_with_salt(password, b"peer-bench-salt!").expect("hash").to_string();
    let deadline = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let total: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let parsed = PasswordHash::new(&phc).expect("own hash parses");
                    let mut n = 0u64;
                    while start.elapsed() < deadline {
                        argon.verify_password(password, &parsed).expect("the password verifies");
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).sum()
    });
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "RESULT verify_agentmart rps={:.1} verifies={total} threads={threads} m_cost={} t_cost={} p_cost={}",
        total as f64 / elapsed,
        p.m_cost,
        p.t_cost,
        p.p_cost
    );
}
