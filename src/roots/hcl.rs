//! The `module` blocks of a Terraform configuration file, and where their `source` points.
//!
//! Only as much of HCL as finding `module "NAME" { source = "..." }` at the top level of a file
//! needs: comments (`#`, `//`, `/* */`), quoted strings with escapes and `${ }` / `%{ }` templates
//! (which may hold strings of their own), heredocs, and brace nesting. Everything else is skipped
//! token by token, so an unusual construct costs at most the module call it hides, never a panic.

/// One `module` block found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleCall {
    /// The block's label: `module "network" { ... }` -> `network`.
    pub name: String,
    /// The `source` argument as written, when it is a plain string literal.
    pub source: Option<String>,
    /// 1-based line of the `module` keyword.
    pub line: usize,
}

impl ModuleCall {
    /// The source as a local path, when Terraform reads it as one: only sources starting with
    /// `./` or `../` are local paths (Terraform's rule; `modules/x` would be a registry address).
    pub fn local_source(&self) -> Option<&str> {
        self.source
            .as_deref()
            .filter(|s| s.starts_with("./") || s.starts_with("../"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    /// A quoted string; `None` when it holds a template (`${...}`), whose value is unknown here.
    Str(Option<String>),
    Open,
    Close,
    Equals,
    Newline,
    Other,
}

/// The module calls at the top level of an HCL (`.tf`) file, in file order.
pub fn module_calls(text: &str) -> Vec<ModuleCall> {
    let tokens = Lexer::new(text).collect::<Vec<_>>();
    let mut calls = Vec::new();
    let mut depth = 0usize;
    // The module block being read (index into `calls`) and the depth of its body.
    let mut open_module: Option<usize> = None;
    let mut i = 0;
    while i < tokens.len() {
        let (line, token) = &tokens[i];
        match token {
            Token::Open => depth += 1,
            Token::Close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    open_module = None;
                }
            }
            Token::Ident(word) if depth == 0 && word == "module" => {
                // `module "NAME" {` (the label may also be a bare identifier in HCL).
                let label = match tokens.get(i + 1).map(|(_, t)| t) {
                    Some(Token::Str(Some(name))) | Some(Token::Ident(name)) => Some(name.clone()),
                    _ => None,
                };
                if let (Some(name), Some((_, Token::Open))) = (label, tokens.get(i + 2)) {
                    calls.push(ModuleCall {
                        name,
                        source: None,
                        line: *line,
                    });
                    open_module = Some(calls.len() - 1);
                    depth += 1;
                    i += 3;
                    continue;
                }
            }
            Token::Ident(word) if depth == 1 && word == "source" => {
                if let (Some(index), Some((_, Token::Equals))) = (open_module, tokens.get(i + 1)) {
                    let at_line_start =
                        i == 0 || matches!(tokens[i - 1].1, Token::Newline | Token::Open);
                    if let (true, Some((_, Token::Str(Some(source))))) =
                        (at_line_start, tokens.get(i + 2))
                    {
                        calls[index].source = Some(source.clone());
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    calls
}

/// The module calls of a JSON-syntax file (`.tf.json`): `{"module": {"NAME": {"source": ...}}}`,
/// where `module` may also be an array of such objects.
pub fn module_calls_json(text: &str) -> Result<Vec<ModuleCall>, serde_json::Error> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    let mut calls = Vec::new();
    let blocks = match value.get("module") {
        Some(serde_json::Value::Array(items)) => items.iter().collect(),
        Some(object) => vec![object],
        None => Vec::new(),
    };
    for block in blocks {
        let Some(modules) = block.as_object() else {
            continue;
        };
        for (name, body) in modules {
            // A module body may itself be given as an array of one object.
            let body = match body {
                serde_json::Value::Array(items) => items.first().unwrap_or(body),
                _ => body,
            };
            calls.push(ModuleCall {
                name: name.clone(),
                source: body
                    .get("source")
                    .and_then(|s| s.as_str())
                    .map(str::to_string),
                line: 0,
            });
        }
    }
    Ok(calls)
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text: text.strip_prefix('\u{feff}').unwrap_or(text),
            pos: 0,
            line: 1,
        }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// Skips to the end of the line, leaving the newline itself to be a token.
    fn skip_line_comment(&mut self) {
        let len = self.rest().find('\n').unwrap_or(self.rest().len());
        self.pos += len;
    }

    fn skip_block_comment(&mut self) {
        self.pos += 2;
        match self.rest().find("*/") {
            Some(end) => {
                self.line += self.rest()[..end].matches('\n').count();
                self.pos += end + 2;
            }
            None => {
                self.line += self.rest().matches('\n').count();
                self.pos = self.text.len();
            }
        }
    }

    /// Reads a quoted string after its opening quote. Returns its text when it holds no template.
    fn string(&mut self) -> Option<String> {
        let mut value = String::new();
        let mut literal = true;
        while let Some(c) = self.bump() {
            match c {
                '"' => return literal.then_some(value),
                '\\' => match self.bump() {
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some('r') => value.push('\r'),
                    Some(other) => value.push(other),
                    None => break,
                },
                // `$${` and `%%{` are literal `${` / `%{`.
                '$' | '%' if self.rest().starts_with(c) && self.rest()[1..].starts_with('{') => {
                    self.bump();
                    value.push(c);
                }
                '$' | '%' if self.peek() == Some('{') => {
                    self.bump();
                    literal = false;
                    self.template_expression();
                }
                '\n' => break, // quoted strings do not span lines: a broken file
                _ => value.push(c),
            }
        }
        None
    }

    /// Skips a template's expression after its `${`, nested braces and strings included.
    fn template_expression(&mut self) {
        let mut depth = 1usize;
        while let Some(c) = self.bump() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                '"' => {
                    self.string();
                }
                _ => {}
            }
        }
    }

    /// Skips a heredoc after `<<` or `<<-`: up to the line that holds only its delimiter.
    fn heredoc(&mut self) -> bool {
        let rest = self.rest();
        let indent = rest.starts_with('-');
        let start = usize::from(indent);
        let marker_len = rest[start..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len() - start);
        if marker_len == 0 || !rest[start + marker_len..].starts_with(['\n', '\r']) {
            return false;
        }
        let marker = &rest[start..start + marker_len];
        self.pos += start + marker_len;
        loop {
            // Past the end of the current line.
            match self.rest().find('\n') {
                Some(end) => {
                    self.pos += end + 1;
                    self.line += 1;
                }
                None => {
                    self.pos = self.text.len();
                    return true;
                }
            }
            let line = self.rest().split('\n').next().unwrap_or("");
            if line.trim_end_matches('\r').trim() == marker {
                self.pos += line.len();
                return true;
            }
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = (usize, Token);

    fn next(&mut self) -> Option<(usize, Token)> {
        loop {
            let c = self.peek()?;
            let line = self.line;
            let token = match c {
                '\n' => {
                    self.bump();
                    Token::Newline
                }
                c if c.is_whitespace() => {
                    self.bump();
                    continue;
                }
                '#' => {
                    self.skip_line_comment();
                    continue;
                }
                '/' if self.rest().starts_with("//") => {
                    self.skip_line_comment();
                    continue;
                }
                '/' if self.rest().starts_with("/*") => {
                    self.skip_block_comment();
                    continue;
                }
                '"' => {
                    self.bump();
                    Token::Str(self.string())
                }
                '<' if self.rest().starts_with("<<") => {
                    self.pos += 2;
                    if self.heredoc() {
                        Token::Str(None)
                    } else {
                        Token::Other
                    }
                }
                '{' => {
                    self.bump();
                    Token::Open
                }
                '}' => {
                    self.bump();
                    Token::Close
                }
                '=' if !self.rest().starts_with("==") && !self.rest().starts_with("=>") => {
                    self.bump();
                    Token::Equals
                }
                c if c.is_alphabetic() || c == '_' => {
                    let len = self
                        .rest()
                        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                        .unwrap_or(self.rest().len());
                    let word = self.rest()[..len].to_string();
                    self.pos += len;
                    Token::Ident(word)
                }
                _ => {
                    // `==`, `=>`, operators, numbers, brackets: two-char operators move as one.
                    self.bump();
                    if matches!(c, '=' | '!' | '<' | '>') && self.peek() == Some('=')
                        || c == '=' && self.peek() == Some('>')
                    {
                        self.bump();
                    }
                    Token::Other
                }
            };
            return Some((line, token));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(text: &str) -> Vec<(String, Option<String>, usize)> {
        module_calls(text)
            .into_iter()
            .map(|c| (c.name, c.source, c.line))
            .collect()
    }

    #[test]
    fn finds_module_blocks_and_their_sources() {
        let text = r#"
terraform {
  required_version = ">= 1.0"
}

module "network" {
  source = "../../modules/network"
  cidr   = "10.0.0.0/16"
}

module "dns" {
  source  = "terraform-aws-modules/route53/aws"
  version = "~> 2.0"
}
"#;
        assert_eq!(
            sources(text),
            vec![
                (
                    "network".to_string(),
                    Some("../../modules/network".to_string()),
                    6
                ),
                (
                    "dns".to_string(),
                    Some("terraform-aws-modules/route53/aws".to_string()),
                    11
                ),
            ]
        );
    }

    #[test]
    fn comments_strings_and_heredocs_hide_nothing_and_invent_nothing() {
        let text = r#"
# module "commented" { source = "./nope" }
// module "commented2" { source = "./nope" }
/* module "block" {
  source = "./nope"
} */
resource "null_resource" "x" {
  triggers = {
    text = "module \"fake\" { source = \"./nope\" } ${jsonencode({ a = "}" })}"
    doc  = <<-EOT
      module "heredoc" {
        source = "./nope"
      }
    EOT
  }
}
module "real" {
  # source = "./commented"
  nested = { source = "./inner" }
  source = "./modules/real"
}
"#;
        assert_eq!(
            sources(text),
            vec![("real".to_string(), Some("./modules/real".to_string()), 17)]
        );
    }

    #[test]
    fn a_templated_source_is_unknown_not_wrong() {
        let calls = module_calls("module \"x\" {\n  source = \"./${var.dir}\"\n}\n");
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].source, None);
        assert_eq!(calls[0].local_source(), None);
    }

    #[test]
    fn only_dot_paths_are_local() {
        let call = |s: &str| ModuleCall {
            name: "m".into(),
            source: Some(s.into()),
            line: 1,
        };
        assert_eq!(call("./a").local_source(), Some("./a"));
        assert_eq!(call("../a").local_source(), Some("../a"));
        assert_eq!(call("modules/a").local_source(), None);
        assert_eq!(call("git::https://example.com/a.git").local_source(), None);
    }

    #[test]
    fn crlf_and_unterminated_input_end_cleanly() {
        let text =
            "module \"a\" {\r\n  source = \"./a\"\r\n}\r\nmodule \"b\" {\r\n  source = \"./b";
        assert_eq!(
            sources(text),
            vec![
                ("a".to_string(), Some("./a".to_string()), 1),
                ("b".to_string(), None, 4)
            ]
        );
        for cut in 0..text.len() {
            if text.is_char_boundary(cut) {
                module_calls(&text[..cut]);
            }
        }
        module_calls("/* unterminated");
        module_calls("x = <<EOT\nnever ends");
        module_calls("}}}{{{");
    }

    #[test]
    fn json_syntax_in_both_shapes() {
        let object = r#"{"module": {"net": {"source": "./net"}, "dns": {"source": "x/y/z"}}}"#;
        let array = r#"{"module": [{"net": [{"source": "./net"}]}]}"#;
        let names = |calls: Vec<ModuleCall>| {
            calls
                .into_iter()
                .map(|c| (c.name, c.source))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(module_calls_json(object).unwrap()),
            vec![
                ("dns".to_string(), Some("x/y/z".to_string())),
                ("net".to_string(), Some("./net".to_string()))
            ]
        );
        assert_eq!(
            names(module_calls_json(array).unwrap()),
            vec![("net".to_string(), Some("./net".to_string()))]
        );
        assert!(module_calls_json("{not json").is_err());
    }
}
