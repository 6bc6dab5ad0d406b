# One of each but update (terraform_data is 1.4+; null_resource has nothing to update in place).
resource "null_resource" "keep" {}

resource "null_resource" "replace" {
  triggers = { v = "2" }
}

resource "null_resource" "create" {
  count = 2
}

output "v" {
  value = "2"
}
