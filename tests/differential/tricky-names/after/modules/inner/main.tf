resource "null_resource" "module" {
  for_each = toset(["module.data", "a"])
}

resource "terraform_data" "resource" {
  input = "x"
}
