#!/usr/bin/env bash
# The GitHub Action's run step (action.yml): tfpost COMMAND ARGS -- TERRAFORM_COMMAND, with the
# inputs passed in the environment rather than pasted into the script, and the exit code both
# returned and written to the step's outputs.
set -uo pipefail
case "${TFPOST_COMMAND:-}" in
  plan | apply) ;;
  *) echo "tfpost action: command must be plan or apply, not '${TFPOST_COMMAND:-}'" >&2; exit 2 ;;
esac
[ -n "${TFPOST_TERRAFORM_COMMAND:-}" ] || {
  echo "tfpost action: terraform-command is required with command: $TFPOST_COMMAND" >&2
  exit 2
}
# The inputs are shell words, written by the workflow's author like a run: line.
args=() wrapped=()
eval "args=(${TFPOST_ARGS:-})"
eval "wrapped=($TFPOST_TERRAFORM_COMMAND)"
tfpost "$TFPOST_COMMAND" "${args[@]}" -- "${wrapped[@]}"
code=$?
if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "exit-code=$code" >> "$GITHUB_OUTPUT"; fi
exit "$code"
