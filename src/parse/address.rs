//! Resource instance addresses: `module.a["k"].data.aws_x.y[0]`.
//!
//! for_each keys are arbitrary strings, so an address cannot be found by splitting on spaces or
//! dots: `null_resource.x["a b.c \"d\" # [e]"]` is one address. It is parsed structurally, and the
//! caller gets back how much of the line it covered.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{char, digit1};
use nom::combinator::{opt, recognize};
use nom::multi::many0;
use nom::sequence::{delimited, preceded};
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
    /// Byte offset of the step's start within the address text.
    start: usize,
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

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
    delimited(char('['), alt((digit1, quoted, tag("*"))), char(']')).parse(input)
}

fn step(input: &str) -> IResult<&str, (&str, Option<&str>)> {
    (take_while1(is_ident_char), opt(index)).parse(input)
}

/// The longest address-shaped prefix of `input`: steps joined by dots.
fn steps(input: &str) -> IResult<&str, &str> {
    recognize((step, many0(preceded(char('.'), step)))).parse(input)
}

/// Parses an address at the start of `input`; returns it and the rest of the line.
///
/// Returns `None` when the text there is not a resource instance address (fewer than two steps,
/// a dangling `module.`, ...).
pub fn parse_address(input: &str) -> Option<(Address<'_>, &str)> {
    let (rest, text) = steps(input).ok()?;
    let address = interpret(text)?;
    Some((address, rest))
}

/// Parses a whole string as an address.
pub fn parse_exact(input: &str) -> Option<Address<'_>> {
    match parse_address(input) {
        Some((address, "")) => Some(address),
        _ => None,
    }
}

/// Splits the text into steps again (it is known to parse) and reads module, mode, type, name.
fn interpret(text: &str) -> Option<Address<'_>> {
    let mut list: Vec<Step<'_>> = Vec::with_capacity(4);
    let mut rest = text;
    loop {
        let start = text.len() - rest.len();
        let (after, (ident, index)) = step(rest).ok()?;
        list.push(Step {
            ident,
            index,
            start,
        });
        match after.strip_prefix('.') {
            Some(next) => rest = next,
            None => break,
        }
    }
    // Module steps come in pairs: `module`, then the call's name (with its key).
    let mut i = 0;
    while i + 1 < list.len() && list[i].ident == "module" && list[i].index.is_none() {
        i += 2;
    }
    let module = if i == 0 {
        None
    } else {
        // Up to the dot before the resource part.
        Some(&text[..list.get(i)?.start.checked_sub(1)?])
    };
    let (mode, type_step) = if list.get(i)?.ident == "data" && list.get(i)?.index.is_none() {
        (Mode::Data, i + 1)
    } else {
        (Mode::Managed, i)
    };
    // Exactly a type and a name must remain; the type carries no key.
    if list.len() != type_step + 2 || list[type_step].index.is_some() {
        return None;
    }
    let name = list[type_step + 1];
    Some(Address {
        text,
        module,
        mode,
        resource_type: list[type_step].ident,
        name: name.ident,
        index: name.index,
    })
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
