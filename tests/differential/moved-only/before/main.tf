resource "null_resource" "old" {}

resource "terraform_data" "t" {
  count = 2
  input = "x"
}
