variable "name" {}
variable "rev" {}

resource "null_resource" "one" {
  triggers = { name = "${var.name}", rev = "${var.rev}" }
}

resource "null_resource" "two" {
  count    = 2
  triggers = { name = "${var.name}", rev = "${var.rev}" }
}
