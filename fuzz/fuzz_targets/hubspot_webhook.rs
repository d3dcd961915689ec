//! libFuzzer target: Hubspot webhook verification and parsing (see `../harness.rs`).
#![no_main]

#[path = "../harness.rs"]
#[allow(dead_code)] // each target uses one vendor
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    harness::run_case(harness::Vendor::Hubspot, data);
});
