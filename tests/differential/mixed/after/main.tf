# One of each: create, update, replace, delete, and an output change.
resource "null_resource" "keep" {}

resource "null_resource" "replace" {
  triggers = { v = "2" }
}

resource "null_resource" "create" {
  count = 2
}

resource "terraform_data" "update" {
  input = "2"
}

output "v" {
  value = "2"
}
