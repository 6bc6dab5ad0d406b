variable "env" {}
variable "name" {}
variable "rev" {}

resource "null_resource" "task" {
  count    = 2
  triggers = { who = "${var.env}/${var.name}/${count.index}", rev = var.rev }
}
