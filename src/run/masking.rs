//! Masking what tfpost renders and posts, in one place: the parsed model before rendering, the
//! raw output templates quote, and each rendered message after. Rendering escapes plan text
//! (`&lt;`, a word joiner after `@`) and cuts it to size, so a secret is masked before
//! rendering as well as after: an escaped or cut secret is no longer found in the message.
//! Whatever cannot be masked is not posted rather than posted unmasked.

use std::borrow::Cow;

use super::RunOutput;
use super::analyze::Parsed;
use crate::config::Masker;
use crate::message::GithubMessage;
use crate::model::Report;
use crate::notify::Rendered;

/// The rendered message with every string masked.
pub fn mask_rendered(message: Rendered, masker: &Masker) -> Result<Rendered, String> {
    if masker.is_empty() {
        return Ok(message);
    }
    Ok(match message {
        Rendered::Markdown(message) => Rendered::Markdown(GithubMessage {
            body: masker.mask_str(&message.body).into_owned(),
            parts: message
                .parts
                .iter()
                .map(|p| masker.mask_str(p).into_owned())
                .collect(),
        }),
        // Made inert from masked Markdown: it holds only what the masker already saw, unless
        // the escapes put a secret back together, which is checked.
        Rendered::Gitlab(message) => {
            if masker.mask_str(message.as_str()) != message.as_str() {
                return Err("cannot mask the GitLab note".to_string());
            }
            Rendered::Gitlab(message)
        }
        Rendered::Slack(message) => Rendered::Slack(
            mask_serde(&message, masker)
                .map_err(|e| format!("cannot mask the Slack message: {e}"))?,
        ),
    })
}

/// The parsed output with every string of the model masked (addresses, diffs, diagnostics),
/// for the renderers.
pub fn mask_parsed<'a>(parsed: &'a Parsed, masker: &Masker) -> Result<Cow<'a, Parsed>, String> {
    if masker.is_empty() {
        return Ok(Cow::Borrowed(parsed));
    }
    Ok(Cow::Owned(match parsed {
        Parsed::Terraform(Ok(report)) => match mask_report(report, masker)? {
            Some(masked) => Parsed::Terraform(Ok(masked)),
            // Nothing to hide: no copy of a report that may hold 50,000 resources.
            None => return Ok(Cow::Borrowed(parsed)),
        },
        // The error says what was not recognised, never the output's text.
        Parsed::Terraform(Err(err)) => Parsed::Terraform(Err(err.clone())),
        Parsed::Fmt(fmt) => Parsed::Fmt(mask_serde(fmt, masker)?),
    }))
}

/// The report with every string masked. Every list (resources, drift, outputs, diagnostics,
/// sections) goes one element at a time (through [`mask_each`]): the JSON form of a
/// 50,000-resource report, or of 200,000 `Error:` blocks, at once would cost several times the
/// report's memory. The rest goes through [`mask_serde`] whole; the struct literal names every
/// field, so a field added to [`Report`] cannot be left out here without a compile error.
/// `None` when nothing in it needed masking.
fn mask_report(report: &Report, masker: &Masker) -> Result<Option<Report>, String> {
    let Report {
        schema,
        kind,
        result,
        tool,
        terraform_version,
        summary,
        resources,
        outputs,
        drift,
        warnings,
        errors,
        sections,
        omitted_diffs,
        left_out,
    } = report;
    let rest = Report {
        schema: *schema,
        kind: *kind,
        result: *result,
        tool: *tool,
        terraform_version: terraform_version.clone(),
        summary: *summary,
        resources: Vec::new(),
        outputs: Vec::new(),
        drift: Vec::new(),
        warnings: Vec::new(),
        errors: Vec::new(),
        sections: Vec::new(),
        omitted_diffs: *omitted_diffs,
        left_out: *left_out,
    };
    let masked_resources = mask_each(resources, masker)?;
    let masked_outputs = mask_each(outputs, masker)?;
    let masked_drift = mask_each(drift, masker)?;
    let masked_warnings = mask_each(warnings, masker)?;
    let masked_errors = mask_each(errors, masker)?;
    let masked_sections = mask_each(sections, masker)?;
    let mut rest_json = serde_json::to_value(&rest).map_err(|e| e.to_string())?;
    if !mask_json(&mut rest_json, masker)
        && masked_resources.is_none()
        && masked_outputs.is_none()
        && masked_drift.is_none()
        && masked_warnings.is_none()
        && masked_errors.is_none()
        && masked_sections.is_none()
    {
        return Ok(None);
    }
    let mut masked: Report = serde_json::from_value(rest_json).map_err(|e| e.to_string())?;
    masked.resources = masked_resources.unwrap_or_else(|| resources.clone());
    masked.outputs = masked_outputs.unwrap_or_else(|| outputs.clone());
    masked.drift = masked_drift.unwrap_or_else(|| drift.clone());
    masked.warnings = masked_warnings.unwrap_or_else(|| warnings.clone());
    masked.errors = masked_errors.unwrap_or_else(|| errors.clone());
    masked.sections = masked_sections.unwrap_or_else(|| sections.clone());
    Ok(Some(masked))
}

/// Each element masked on its own; `None` when none needed it. Once one did, the others are
/// cloned, not rebuilt.
fn mask_each<T>(items: &[T], masker: &Masker) -> Result<Option<Vec<T>>, String>
where
    T: Clone + serde::Serialize + serde::de::DeserializeOwned,
{
    let mut masked: Option<Vec<T>> = None;
    for (i, item) in items.iter().enumerate() {
        // Most elements hold nothing to mask: found out without building their JSON form.
        if !masker.finds_in(item) {
            if let Some(out) = masked.as_mut() {
                out.push(item.clone());
            }
            continue;
        }
        let mut json = serde_json::to_value(item).map_err(|e| e.to_string())?;
        if mask_json(&mut json, masker) {
            let out = masked.get_or_insert_with(|| {
                let mut out = Vec::with_capacity(items.len());
                out.extend_from_slice(&items[..i]);
                out
            });
            out.push(serde_json::from_value(json).map_err(|e| e.to_string())?);
        } else if let Some(out) = masked.as_mut() {
            out.push(item.clone());
        }
    }
    Ok(masked)
}

/// The raw output the renderers quote, masked. Masked as a whole: a secret across two reads of
/// the stream is in one piece here.
pub fn raw_text(run: &RunOutput<'_>, masker: &Masker) -> String {
    let raw = run.raw.to_text_lossy();
    match masker.mask_str(&raw) {
        Cow::Borrowed(_) => raw,
        Cow::Owned(masked) => masked,
    }
}

/// `value` with every string in it masked. Through its JSON form so that no field is missed,
/// now or when the type grows one; a value that no longer deserialises (a pattern that matched
/// an enum's name) is an error, not a value with the secret left in.
fn mask_serde<T: serde::Serialize + serde::de::DeserializeOwned>(
    value: &T,
    masker: &Masker,
) -> Result<T, String> {
    let mut json = serde_json::to_value(value).map_err(|e| e.to_string())?;
    mask_json(&mut json, masker);
    serde_json::from_value(json).map_err(|e| e.to_string())
}

/// Masks every string in `value`; true when any changed.
fn mask_json(value: &mut serde_json::Value, masker: &Masker) -> bool {
    match value {
        serde_json::Value::String(s) => match masker.mask_str(s) {
            Cow::Borrowed(_) => false,
            Cow::Owned(masked) => {
                *s = masked;
                true
            }
        },
        // Every element is masked: no stopping at the first change.
        serde_json::Value::Array(items) => {
            let mut changed = false;
            for v in items {
                changed |= mask_json(v, masker);
            }
            changed
        }
        serde_json::Value::Object(map) => {
            let mut changed = false;
            for v in map.values_mut() {
                changed |= mask_json(v, masker);
            }
            changed
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_elements_holding_a_secret_are_rebuilt_and_order_holds() {
        let resource = |name: &str, diff: &str| -> crate::model::ResourceChange {
            serde_json::from_value(serde_json::json!({
                "address": format!("null_resource.{name}"), "module": null,
                "type": "null_resource", "name": name, "index": null, "mode": "managed",
                "action": "update", "reason": null, "from_address": null, "import_id": null,
                "imported": false, "replace_order": null, "deposed": null, "section": null,
                "diff": diff
            }))
            .expect("resource")
        };
        let items = vec![
            resource("a", "  ~ x = 1\n"),
            resource("b", "  ~ token = \"hunter22\"\n"),
            resource("c", "  ~ y = 2\n"),
        ];
        let masker = Masker::new(vec!["hunter22".into()], &[]).expect("masker");
        let masked = mask_each(&items, &masker).expect("masks").expect("changed");
        assert_eq!(masked.len(), 3);
        assert_eq!(masked[0], items[0]);
        assert_eq!(masked[1].diff.as_deref(), Some("  ~ token = \"***\"\n"));
        assert_eq!(masked[2], items[2]);
        let other = Masker::new(vec!["elsewhere".into()], &[]).expect("masker");
        assert!(mask_each(&items, &other).expect("masks").is_none());
    }
}
