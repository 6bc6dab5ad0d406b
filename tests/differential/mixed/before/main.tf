resource "null_resource" "keep" {}

resource "null_resource" "replace" {
  triggers = { v = "1" }
}

resource "null_resource" "delete" {}

resource "terraform_data" "update" {
  input = "1"
}

output "v" {
  value = "1"
}
