//! tfcmt's built-in sub-templates (`{{template "plan_title" .}}` ...).

/// tfcmt's built-in sub-templates, written in the same Go-template subset and translated like
/// the user's (so escaping rules apply to them alike).
pub(super) fn builtin(name: &str) -> Option<&'static str> {
    Some(match name {
        "plan_title" => {
            "## {{if .HasError}}:x: {{end}}Plan Result{{if .Vars.target}} ({{.Vars.target}}){{end}}"
        }
        "apply_title" => {
            "## {{if .HasError}}:x:{{else}}:white_check_mark:{{end}} Apply Result{{if .Vars.target}} ({{.Vars.target}}){{end}}"
        }
        "result" => "{{if .Result}}<pre><code>{{.Result}}</code></pre>{{end}}",
        "updated_resources" => concat!(
            "{{if .CreatedResources}}\n* Create\n{{- range .CreatedResources}}\n  * {{.}}\n{{- end}}{{end}}",
            "{{if .UpdatedResources}}\n* Update\n{{- range .UpdatedResources}}\n  * {{.}}\n{{- end}}{{end}}",
            "{{if .DeletedResources}}\n* Delete\n{{- range .DeletedResources}}\n  * {{.}}\n{{- end}}{{end}}",
            "{{if .ReplacedResources}}\n* Replace\n{{- range .ReplacedResources}}\n  * {{.}}\n{{- end}}{{end}}",
            "{{if .ImportedResources}}\n* Import\n{{- range .ImportedResources}}\n  * {{.}}\n{{- end}}{{end}}",
            "{{if .MovedResources}}\n* Move\n{{- range .MovedResources}}\n  * {{.Before}} => {{.After}}\n{{- end}}{{end}}",
        ),
        "changed_result" => {
            "{{if .ChangedResult}}\n<details><summary>Change Result (Click me)</summary>\n{{wrapCode .ChangedResult}}\n</details>\n{{end}}"
        }
        "change_outside_terraform" => {
            "{{if .ChangeOutsideTerraform}}\n<details><summary>:information_source: Objects have changed outside of Terraform</summary>\n{{wrapCode .ChangeOutsideTerraform}}\n</details>\n{{end}}"
        }
        "warning" => {
            "{{if .Warning}}\n## :warning: Warnings :warning:\n{{wrapCode .Warning}}\n{{end}}"
        }
        "error_messages" => {
            "{{if .ErrorMessages}}\n## :warning: Errors\n{{range .ErrorMessages}}\n* {{. -}}\n{{- end}}{{end}}"
        }
        // tfcmt's default plan template calls this unconditionally: the test is inside.
        "deletion_warning" => {
            "{{if .HasDestroy}}\n### :warning: Resource Deletion will happen :warning:\nThis plan contains resource delete operation. Please check the plan result very carefully!\n{{end}}"
        }
        _ => return None,
    })
}
