variable "input" {}

resource "terraform_data" "this" {
  input = var.input
}
