variable "name" {}
variable "rev" {}

resource "null_resource" "env" {
  triggers = { name = var.name }
}

module "svc" {
  source   = "../svc"
  for_each = toset(["api", "web ui"])
  env      = var.name
  name     = each.key
  rev      = var.rev
}
