#![no_main]
// The target lives in campo-fuzz, where the replay tests run it too.
libfuzzer_sys::fuzz_target!(|data: &[u8]| campo_fuzz::instrument(data));
