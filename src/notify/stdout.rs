//! tfpost's own stdout as a destination: the Markdown message after the tee'd output, for
//! local runs. It has no config section and no secrets.

use std::io::Write as _;

use crate::notify::{
    ByDefault, Destination, DestinationId, Dialect, Outgoing, PostFuture, Posted, Registration,
    RunFacts, Setup, StdoutState, When,
};

pub const ID: DestinationId = DestinationId::new("stdout");

pub const REGISTRATION: Registration = Registration {
    id: ID,
    label: "stdout",
    dialect: Dialect::GithubMarkdown,
    secrets: |_| Vec::new(),
    fill_from_env: |_, _| {},
    by_default: ByDefault::OutsideCiAlone,
    build,
};

fn build(setup: &Setup<'_>) -> Result<Box<dyn Destination>, String> {
    Ok(Box::new(Stdout {
        state: setup.stdout,
    }))
}

struct Stdout {
    state: StdoutState,
}

impl Destination for Stdout {
    fn id(&self) -> DestinationId {
        ID
    }

    fn when(&self) -> Vec<When> {
        vec![When::Always]
    }

    fn describe(&self, _facts: &RunFacts) -> String {
        "stdout".to_string()
    }

    fn post<'a>(&'a self, outgoing: &'a Outgoing<'a>) -> PostFuture<'a> {
        Box::pin(async move {
            if self.state.closed {
                return Err("stdout was closed by its reader".to_string());
            }
            let text = outgoing.message.text();
            let mut out = std::io::stdout().lock();
            // The message starts on a line of its own, after a blank line.
            let lead: &[u8] = if self.state.mid_line { b"\n\n" } else { b"\n" };
            out.write_all(lead)
                .and_then(|()| out.write_all(text.as_bytes()))
                .and_then(|()| out.write_all(b"\n"))
                .and_then(|()| out.flush())
                .map_err(|err| format!("cannot write to stdout: {err}"))?;
            Ok(Posted {
                summary: "written after the output".to_string(),
                warnings: Vec::new(),
            })
        })
    }
}
