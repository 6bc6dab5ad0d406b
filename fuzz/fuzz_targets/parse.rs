//! The parser on arbitrary bytes: must not panic, and must give the same result however the
//! input is cut into chunks (the tee feeds it whatever each read returns).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tfpost::parse::{ParseOptions, Parser, parse};

fuzz_target!(|data: &[u8]| {
    let whole = parse(data, ParseOptions::default());
    // The first byte picks a chunk size, so the fuzzer explores boundaries too.
    let chunk = usize::from(data.first().copied().unwrap_or(1)).max(1);
    let mut parser = Parser::new(ParseOptions::default());
    for piece in data.chunks(chunk) {
        parser.feed(piece);
    }
    assert_eq!(parser.finish(), whole);
});
