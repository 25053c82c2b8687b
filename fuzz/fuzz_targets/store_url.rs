#![no_main]
//! Fuzz target: see `agentmart_stores::fuzzing::store_url`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| agentmart_stores::fuzzing::store_url(data));
