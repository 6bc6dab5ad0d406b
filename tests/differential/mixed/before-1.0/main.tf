resource "null_resource" "keep" {}

resource "null_resource" "replace" {
  triggers = { v = "1" }
}

resource "null_resource" "delete" {}

output "v" {
  value = "1"
}
