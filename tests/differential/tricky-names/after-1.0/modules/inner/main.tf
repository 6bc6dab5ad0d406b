resource "null_resource" "module" {
  for_each = toset(["module.data", "a"])
}

resource "null_resource" "resource" {}
