#![no_main]
//! Fuzz target: see `agentmart_http::fuzzing::forwarded_for`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| agentmart_http::fuzzing::forwarded_for(data));
