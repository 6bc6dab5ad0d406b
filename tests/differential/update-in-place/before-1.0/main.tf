# terraform_data is 1.4+; the null provider's only attribute, triggers, forces a replacement.
resource "null_resource" "u" {
  triggers = { size = "small" }
}

resource "null_resource" "same" {
  triggers = { v = "unchanged" }
}
