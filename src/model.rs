//! The parsed form of Terraform's plan and apply text: plain serde data.
//!
//! This is the JSON that `tfpost parse` prints and that templates see, so it is a public,
//! versioned contract: [`SCHEMA_VERSION`] is bumped only for incompatible changes, and later
//! versions only add fields. Every field is always present in the JSON; fields that do not apply
//! are `null` or empty.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// Version of the JSON schema, written as `"schema"` at the top of every report.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything tfpost understood of one Terraform run's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA_VERSION`].
    pub schema: u32,
    /// Whether the text is a plan or an apply.
    pub kind: Kind,
    /// What the run came to.
    pub result: Outcome,
    /// Which program wrote the text: Terraform or OpenTofu.
    pub tool: Tool,
    /// The version, when the text names it (`Terraform v1.5.7`); most output does not.
    pub terraform_version: Option<String>,
    /// The counts of the `Plan:` / `Apply complete!` / `Destroy complete!` line exactly as
    /// printed (summed over all plans when the stream holds several), or `null` when there is
    /// no such line.
    pub summary: Option<Summary>,
    /// One entry per resource instance, in the order of the text.
    pub resources: Vec<ResourceChange>,
    /// Changes to root module outputs (`Changes to Outputs:`).
    pub outputs: Vec<OutputChange>,
    /// Changes made outside of Terraform (`Objects have changed outside of Terraform`).
    pub drift: Vec<Drift>,
    /// `Warning:` diagnostics.
    pub warnings: Vec<Diagnostic>,
    /// `Error:` diagnostics.
    pub errors: Vec<Diagnostic>,
    /// The separate plans or applies of a stream that holds more than one (Terragrunt
    /// `run-all`, several commands piped together), in order of first appearance. Empty when the
    /// stream holds a single one.
    pub sections: Vec<Section>,
    /// How many resources' diffs were not kept because the diff budget of the parse was spent
    /// (see `ParseOptions::max_diff_bytes`); 0 when every diff was kept.
    pub omitted_diffs: usize,
    /// What the report counts but does not hold: an output of a million `Error:` blocks keeps
    /// the first ones in full and only the number of the rest.
    #[serde(default)]
    pub left_out: LeftOut,
}

/// What was counted but not kept: diagnostics beyond the first `ParseOptions::max_diagnostics`
/// of each severity, resources beyond `ParseOptions::max_resources`. 0 when everything was kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOut {
    /// `Error:` blocks not in `errors`.
    pub errors: u32,
    /// `Warning:` blocks not in `warnings`.
    pub warnings: u32,
    /// Resource changes not in `resources` (the runner keeps the first 100,000).
    pub resources: u32,
    /// Of those, the ones that destroy something (`delete`, `replace`).
    pub destructive_resources: u32,
}

/// Plan or apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Plan,
    Apply,
}

/// Which command the run is for. `Plan` and `Apply` parse Terraform's plan/apply text; `Fmt`
/// parses `terraform fmt -check -diff` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Plan,
    Apply,
    Fmt,
}

impl RunKind {
    /// The report kind the command's output is parsed as; `None` for `fmt`.
    pub fn report_kind(self) -> Option<Kind> {
        match self {
            RunKind::Plan => Some(Kind::Plan),
            RunKind::Apply => Some(Kind::Apply),
            RunKind::Fmt => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Plan => "plan",
            RunKind::Apply => "apply",
            RunKind::Fmt => "fmt",
        }
    }
}

/// What a run came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A plan that would change something (resources or outputs); for an apply, one whose
    /// text ends without `Apply complete!` (cut off, or not an apply's output): its counts
    /// are those of its plan, and nothing says they were applied.
    Changes,
    /// A plan that would change nothing (for an apply: the same, without `Apply complete!`).
    NoChanges,
    /// Terraform reported an error (plan or apply).
    Error,
    /// An apply that completed.
    Applied,
}

/// The program that wrote the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tool {
    Terraform,
    #[serde(rename = "opentofu")]
    OpenTofu,
}

/// Counts from the summary line. Terraform counts a replace as one add and one destroy, and
/// counts neither moves nor (before 1.7) forgets; counts it did not print are 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Summary {
    pub add: u64,
    pub change: u64,
    pub destroy: u64,
    pub import: u64,
    #[serde(rename = "move")]
    pub moved: u64,
    pub forget: u64,
}

impl Summary {
    /// Field-wise sum, for streams that hold several plans.
    pub fn plus(self, other: Summary) -> Summary {
        Summary {
            add: self.add + other.add,
            change: self.change + other.change,
            destroy: self.destroy + other.destroy,
            import: self.import + other.import,
            moved: self.moved + other.moved,
            forget: self.forget + other.forget,
        }
    }

    /// True when every count is zero.
    pub fn is_empty(&self) -> bool {
        *self == Summary::default()
    }
}

/// What Terraform will do (or did) to one resource instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Delete,
    /// Destroy and re-create: `-/+` (delete first) or `+/-` (create first), a taint,
    /// `-replace`, or `replace_triggered_by`.
    Replace,
    /// A data source read during apply (`<=`).
    Read,
    /// Imported with no other change (`will be imported`).
    Import,
    /// Moved to a new address with no other change (`has moved to`).
    Move,
    /// Removed from state without being destroyed (`removed` block with `destroy = false`).
    Forget,
}

impl Action {
    /// Every action, in the order reviewers want them: most dangerous first.
    pub const ALL: [Action; 8] = [
        Action::Delete,
        Action::Replace,
        Action::Create,
        Action::Update,
        Action::Import,
        Action::Move,
        Action::Forget,
        Action::Read,
    ];

    /// The name used in the JSON (`"create"`, `"replace"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Replace => "replace",
            Action::Read => "read",
            Action::Import => "import",
            Action::Move => "move",
            Action::Forget => "forget",
        }
    }

    /// True for the actions that destroy an existing object.
    pub fn is_destructive(self) -> bool {
        matches!(self, Action::Delete | Action::Replace)
    }
}

/// Managed resource or data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Managed,
    Data,
}

/// Which object of a replace Terraform deals with first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplaceOrder {
    /// `-/+`: the old object is destroyed, then the new one created.
    DeleteBeforeCreate,
    /// `+/-`: `create_before_destroy`.
    CreateBeforeDelete,
}

/// One resource instance's change.
///
/// The address and its parts are [`CompactString`]s, which hold up to 24 bytes inline: the
/// model of a 50,000-resource plan then needs no allocation per part, which is a fifth of its
/// memory and of its parse time. They read as `&str` and serialize as plain strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceChange {
    /// Full instance address as Terraform prints it, e.g. `module.net.aws_subnet.a["x"]`.
    pub address: CompactString,
    /// The module path part of the address (`module.net` or `module.a["k"].module.b`), `null`
    /// for the root module.
    pub module: Option<CompactString>,
    /// Resource type, e.g. `aws_subnet`.
    #[serde(rename = "type")]
    pub resource_type: CompactString,
    /// Resource name, e.g. `a`.
    pub name: CompactString,
    /// The instance key as written between the brackets (`0`, `"x"`), `null` when none.
    pub index: Option<CompactString>,
    /// Managed resource or data source.
    pub mode: Mode,
    /// The main action.
    pub action: Action,
    /// Why, when Terraform says: `forces replacement`, `tainted`, `replace requested`,
    /// `replace_triggered_by`, `because ... is not in configuration`, `config refers to values
    /// not yet known`, ...
    pub reason: Option<Box<str>>,
    /// For a move (alone or combined with another action), the address it moved from.
    pub from_address: Option<Box<str>>,
    /// For an import (alone or combined with another action), the import ID when printed.
    pub import_id: Option<Box<str>>,
    /// True when the resource is also imported by this plan while its main action is another
    /// one (`# (imported from "id")` under `will be updated in-place`).
    pub imported: bool,
    /// For a replace, which object goes first.
    pub replace_order: Option<ReplaceOrder>,
    /// The deposed object's key for `(deposed object KEY)` entries.
    pub deposed: Option<Box<str>>,
    /// The label of the section (Terragrunt module) this resource belongs to, when the stream
    /// holds several.
    pub section: Option<Box<str>>,
    /// The change block as Terraform printed it (colour removed), from the symbol line to the
    /// closing brace; `null` when Terraform printed none or it was not kept.
    pub diff: Option<Box<str>>,
}

/// A root module output's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputChange {
    /// Output name.
    pub name: String,
    /// `create`, `update` or `delete`.
    pub action: Action,
    /// True when Terraform shows `(sensitive value)`.
    pub sensitive: bool,
    /// The change as Terraform printed it (colour removed).
    pub diff: Option<String>,
    /// The section label, as for resources.
    pub section: Option<String>,
}

/// An object changed outside of Terraform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    pub address: CompactString,
    /// `update` (`has changed`) or `delete` (`has been deleted`).
    pub action: Action,
    /// The change block as Terraform printed it (colour removed).
    pub diff: Option<String>,
    /// The section label, as for resources.
    pub section: Option<String>,
}

/// A warning or error Terraform printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The first line after `Error:` / `Warning:`.
    pub summary: String,
    /// The explanation below it, without the source snippet; empty when none.
    pub detail: String,
    /// The configuration file (`on main.tf line 12`), when given.
    pub file: Option<String>,
    /// The line in that file, when given.
    pub line: Option<u32>,
    /// The resource the diagnostic is about (`with null_resource.x`), when given.
    pub address: Option<String>,
    /// The section label, as for resources.
    pub section: Option<String>,
}

/// One plan or apply of a stream that holds several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// The Terragrunt module path or line prefix naming it, when there is one.
    pub label: Option<String>,
    pub kind: Kind,
    pub result: Outcome,
    pub summary: Option<Summary>,
}

impl Report {
    /// An empty report of the given kind; the parser fills it in.
    pub fn empty(kind: Kind) -> Report {
        Report {
            schema: SCHEMA_VERSION,
            kind,
            result: Outcome::NoChanges,
            tool: Tool::Terraform,
            terraform_version: None,
            summary: None,
            resources: Vec::new(),
            outputs: Vec::new(),
            drift: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
            sections: Vec::new(),
            omitted_diffs: 0,
            left_out: LeftOut::default(),
        }
    }

    /// The resources whose action is `action`, in the order of the text.
    pub fn resources_with(&self, action: Action) -> impl Iterator<Item = &ResourceChange> {
        self.resources.iter().filter(move |r| r.action == action)
    }

    /// How many resources have each action, in [`Action::ALL`] order, zero counts included.
    pub fn action_counts(&self) -> Vec<(Action, usize)> {
        let mut counts = [0usize; 8];
        for r in &self.resources {
            if let Some(i) = Action::ALL.iter().position(|a| *a == r.action) {
                counts[i] += 1;
            }
        }
        Action::ALL.iter().copied().zip(counts).collect()
    }

    /// True when something would be (or was) destroyed: a delete or a replace.
    pub fn has_destructive_changes(&self) -> bool {
        self.left_out.destructive_resources > 0
            || self.resources.iter().any(|r| r.action.is_destructive())
    }
}
