# Renames only: nothing else changes.
resource "null_resource" "new" {}

resource "terraform_data" "t" {
  for_each = toset(["zero", "one"])
  input    = "x"
}

moved {
  from = null_resource.old
  to   = null_resource.new
}

moved {
  from = terraform_data.t[0]
  to   = terraform_data.t["zero"]
}

moved {
  from = terraform_data.t[1]
  to   = terraform_data.t["one"]
}
