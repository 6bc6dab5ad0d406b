variable "name" {}
variable "rev" {}

resource "null_resource" "env" {
  triggers = { name = "${var.name}" }
}

module "api" {
  source = "../svc"
  env    = "${var.name}"
  name   = "api"
  rev    = "${var.rev}"
}
