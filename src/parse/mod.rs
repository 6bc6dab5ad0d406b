//! Terraform plan/apply text to [`Report`]. Knows nothing of IO: bytes in, model out.

use crate::model::{Kind, Report};

/// How to parse.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// Plan or apply, when the caller knows; detected from the text otherwise.
    pub kind: Option<Kind>,
    /// Keep resource diffs only until their total size reaches this many bytes (`None`: keep
    /// all). A renderer never shows more than a comment's worth, and dropping the rest keeps
    /// memory flat on plans of tens of thousands of resources.
    pub max_diff_bytes: Option<usize>,
}

/// Why no report could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error(
        "no Terraform plan or apply output found in {lines} line(s) ({bytes} bytes): expected lines such as \
         `Terraform will perform the following actions:`, `Plan: N to add, ...`, `No changes.` or `Apply complete!`"
    )]
    NothingRecognized { bytes: u64, lines: u64 },
}

/// Streaming parser: feed it the bytes as they arrive, in chunks of any size.
#[derive(Debug, Default)]
pub struct Parser {
    options: ParseOptions,
    bytes: u64,
    lines: u64,
}

impl Parser {
    pub fn new(options: ParseOptions) -> Parser {
        Parser {
            options,
            bytes: 0,
            lines: 0,
        }
    }

    /// Feed the next chunk of output.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.bytes += chunk.len() as u64;
        self.lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }

    /// The report, or an error when nothing plan-like was found.
    pub fn finish(self) -> Result<Report, ParseError> {
        let _ = self.options;
        Err(ParseError::NothingRecognized {
            bytes: self.bytes,
            lines: self.lines,
        })
    }
}

/// Parse a whole output at once.
pub fn parse(text: &[u8], options: ParseOptions) -> Result<Report, ParseError> {
    let mut parser = Parser::new(options);
    parser.feed(text);
    parser.finish()
}
