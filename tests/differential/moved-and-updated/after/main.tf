# A move combined with an update, and a move combined with a replace.
resource "terraform_data" "b" {
  input = "v2"
}

resource "null_resource" "s" {
  triggers = { v = "2" }
}

moved {
  from = terraform_data.a
  to   = terraform_data.b
}

moved {
  from = null_resource.r
  to   = null_resource.s
}
