//! Resource instance addresses: `module.a["k"].data.aws_x.y[0]`.
//!
//! for_each keys are arbitrary strings, so an address cannot be found by splitting on spaces or
//! dots: `null_resource.x["a b.c \"d\" # [e]"]` is one address. It is parsed structurally, and the
//! caller gets back how much of the line it covered.

use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::{char, digit1};
use nom::combinator::opt;
use nom::sequence::delimited;
use nom::{IResult, Parser};

use crate::model::Mode;

/// The parts of a resource instance address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address<'a> {
    /// The whole address as written.
    pub text: &'a str,
    /// `module.a["k"].module.b`, or `None` in the root module.
    pub module: Option<&'a str>,
    pub mode: Mode,
    pub resource_type: &'a str,
    pub name: &'a str,
    /// What stands between the brackets of the instance key (`0`, `"k"`).
    pub index: Option<&'a str>,
}

/// One dot-separated step: an identifier and an optional instance key.
#[derive(Debug, Clone, Copy)]
struct Step<'a> {
    ident: &'a str,
    index: Option<&'a str>,
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// [`is_ident_char`] for each byte value, so that scanning an identifier costs a load per byte.
static IDENT_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
        b += 1;
    }
    table
};

/// A quoted for_each key with Terraform's escapes (`\"`, `\\`, `\n`, `\u00e9`...).
fn quoted(input: &str) -> IResult<&str, &str> {
    let bytes = input.as_bytes();
    if bytes.first() != Some(&b'"') {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Char,
        )));
    }
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Ok((&input[i + 1..], &input[..i + 1])),
            _ => i += 1,
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(
        input,
        nom::error::ErrorKind::Char,
    )))
}

/// `[0]`, `["key"]`, or `[*]` (0.11 shows splats in some messages).
fn index(input: &str) -> IResult<&str, &str> {
    // The count index, by far the most common, is scanned as bytes: this runs for every
    // header and progress line of a plan, and the combinators below cost several times more.
    if let Some(digits) = input.strip_prefix('[') {
        let end = digits
            .bytes()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(digits.len());
        if end > 0 && digits.as_bytes().get(end) == Some(&b']') {
            return Ok((&digits[end + 1..], &digits[..end]));
        }
    }
    delimited(char('['), alt((digit1, quoted, tag("*"))), char(']')).parse(input)
}

/// An identifier: what `take_while1(is_ident_char)` takes, scanned as bytes (all its
/// characters are ASCII), since every header and progress line of a plan comes through here.
fn ident(input: &str) -> IResult<&str, &str> {
    let end = input
        .bytes()
        .position(|b| !IDENT_BYTES[usize::from(b)])
        .unwrap_or(input.len());
    if end == 0 {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::TakeWhile1,
        )));
    }
    Ok((&input[end..], &input[..end]))
}

fn step(input: &str) -> IResult<&str, (&str, Option<&str>)> {
    let (rest, name) = ident(input)?;
    // Most steps have no key: settled by one byte, before the key parsers build an error.
    if !rest.starts_with('[') {
        return Ok((rest, (name, None)));
    }
    (opt(index))
        .parse(rest)
        .map(|(rest, key)| (rest, (name, key)))
}

/// Parses an address at the start of `input`; returns it and the rest of the line.
///
/// The longest address-shaped prefix (steps joined by dots) is taken, then read as module
/// steps, `data`, type and name. Returns `None` when it is not a resource instance address
/// (fewer than two steps, a dangling `module.`, ...). One pass, no allocation: every resource
/// header and progress line of a plan comes through here.
pub fn parse_address(input: &str) -> Option<(Address<'_>, &str)> {
    // The module steps (`module`, then the call's name with its key), then at most three
    // steps (`data`, type, name): a fourth means this is not an address.
    let mut module_end = None;
    let mut resource: [Option<Step<'_>>; 3] = [None; 3];
    let mut resource_steps = 0;
    let mut expect_module_name = false;
    let mut rest = input;
    loop {
        let (after, (ident, index)) = step(rest).ok()?;
        if expect_module_name {
            expect_module_name = false;
            module_end = Some(input.len() - after.len());
        } else if resource_steps == 0 && ident == "module" && index.is_none() {
            expect_module_name = true;
        } else {
            *resource.get_mut(resource_steps)? = Some(Step { ident, index });
            resource_steps += 1;
        }
        rest = after;
        // A dot continues the address only when a step follows it.
        match after.strip_prefix('.') {
            Some(next) if next.starts_with(is_ident_char) => rest = next,
            _ => break,
        }
    }
    if expect_module_name {
        // `module.` with no call name: the steps were `... module`.
        return None;
    }
    let text = &input[..input.len() - rest.len()];
    let [first, second, third] = resource;
    let (mode, resource_type, name) = match (first, second, third) {
        (Some(data), Some(t), Some(n)) if data.ident == "data" && data.index.is_none() => {
            (Mode::Data, t, n)
        }
        (Some(t), Some(n), None) if !(t.ident == "data" && t.index.is_none()) => {
            (Mode::Managed, t, n)
        }
        _ => return None,
    };
    if resource_type.index.is_some() {
        return None;
    }
    let module = module_end.map(|end| &input[..end]);
    Some((
        Address {
            text,
            module,
            mode,
            resource_type: resource_type.ident,
            name: name.ident,
            index: name.index,
        },
        rest,
    ))
}

/// Parses a whole string as an address.
pub fn parse_exact(input: &str) -> Option<Address<'_>> {
    match parse_address(input) {
        Some((address, "")) => Some(address),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_resource_with_count_index() {
        let (a, rest) = parse_address("null_resource.s_new[0] will be created").unwrap();
        assert_eq!(a.text, "null_resource.s_new[0]");
        assert_eq!(a.module, None);
        assert_eq!(a.mode, Mode::Managed);
        assert_eq!(a.resource_type, "null_resource");
        assert_eq!(a.name, "s_new");
        assert_eq!(a.index, Some("0"));
        assert_eq!(rest, " will be created");
    }

    #[test]
    fn nested_modules_and_data_source() {
        let a = parse_exact(r#"module.net["eu west"].module.sub[2].data.aws_x.y"#).unwrap();
        assert_eq!(a.module, Some(r#"module.net["eu west"].module.sub[2]"#));
        assert_eq!(a.mode, Mode::Data);
        assert_eq!(a.resource_type, "aws_x");
        assert_eq!(a.name, "y");
        assert_eq!(a.index, None);
    }

    #[test]
    fn for_each_keys_with_everything_terraform_allows() {
        let line = r#"null_resource.k["a \"q\" # [x].y will be created é"] will be created"#;
        let (a, rest) = parse_address(line).unwrap();
        assert_eq!(a.index, Some(r#""a \"q\" # [x].y will be created é""#));
        assert_eq!(rest, " will be created");
    }

    #[test]
    fn not_addresses() {
        assert!(parse_exact("resource").is_none());
        assert!(parse_exact("module.a").is_none());
        assert!(parse_exact("module.a.b").is_none());
        assert!(parse_exact("a.b.c").is_none());
        assert!(parse_exact("null_resource[0].x").is_none());
        assert!(parse_address(r#"x.y["unterminated"#).map(|(_, r)| r) != Some(""));
    }
}
