resource "terraform_data" "a" {
  input = "v1"
}

resource "null_resource" "r" {
  triggers = { v = "1" }
}
