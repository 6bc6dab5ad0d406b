//! Properties of the parser on generated input: it never panics, and how the input is cut into
//! chunks never changes the result.

use proptest::prelude::*;
use tfpost::parse::{ParseOptions, Parser, parse};

/// Lines that drive the parser into each of its states, mixed with arbitrary text.
fn plan_like_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Terraform will perform the following actions:".to_string()),
        Just("Note: Objects have changed outside of Terraform".to_string()),
        Just("Changes to Outputs:".to_string()),
        Just("Plan: 1 to add, 2 to change, 3 to destroy.".to_string()),
        Just("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.".to_string()),
        Just("No changes. Your infrastructure matches the configuration.".to_string()),
        Just("╷".to_string()),
        Just("╵".to_string()),
        Just("─────".to_string()),
        Just("  # (moved from a.b)".to_string()),
        "[a-z_]{1,8}\\.[a-z_]{1,8}(\\[[0-9]\\])?: (Creating...|Creation complete after 1s|Destroying...)",
        "  # [a-z_]{1,5}\\.[a-z]{1,5}(\\[\"[ -~]{0,6}\"\\])? (will be created|must be replaced|has moved to x.y|has changed)",
        "(-/\\+|\\+/-|  \\+|  -|  ~|<=) [a-z_]{1,5}\\.[a-z]{1,5}( \\(tainted\\))?",
        "(│ )?(Error|Warning): [ -~]{0,20}",
        "  [+~-] [a-z]{1,6} = [ -~]{0,10}",
        "( {0,8})[ -~]{0,30}",
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = parse(&bytes, ParseOptions::default());
    }

    #[test]
    fn plan_like_lines_never_panic_and_chunking_does_not_matter(
        lines in proptest::collection::vec(plan_like_line(), 0..60),
        crlf in any::<bool>(),
        chunk in 1usize..50,
    ) {
        let newline = if crlf { "\r\n" } else { "\n" };
        let text = lines.join(newline);
        let whole = parse(text.as_bytes(), ParseOptions::default());
        let mut parser = Parser::new(ParseOptions::default());
        for piece in text.as_bytes().chunks(chunk) {
            parser.feed(piece);
        }
        prop_assert_eq!(parser.finish(), whole);
    }
}
