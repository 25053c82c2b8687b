#![no_main]
//! Fuzz target: see `agentmart_core::fuzzing::names`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| agentmart_core::fuzzing::names(data));
