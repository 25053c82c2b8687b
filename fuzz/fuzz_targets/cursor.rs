#![no_main]
//! Fuzz target: see `agentmart_core::fuzzing::cursor`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| agentmart_core::fuzzing::cursor(data));
