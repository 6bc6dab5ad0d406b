# Values whose lines look like plan lines (a script, a template): they must stay values.
# Heredocs are read the same by 0.11's HCL and by HCL 2.
resource "null_resource" "tricky" {
  triggers = {
    revision = "2"
    script   = <<EOT
#!/bin/sh
echo revision 2
  # null_resource.fake will be destroyed
  - resource "null_resource" "fake" {
-/+ null_resource.fake0 (new resource required)
Plan: 9 to add, 9 to change, 9 to destroy.
Error: not a real error
Warning: not a real warning
No changes. Infrastructure is up-to-date.
Apply complete! Resources: 1 added, 0 changed, 0 destroyed.
EOT
  }
}

output "script" {
  value = "${null_resource.tricky.triggers.script}"
}

output "revision" {
  value = "${null_resource.tricky.triggers.revision}"
}
