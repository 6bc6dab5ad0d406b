# Two references to things that do not exist: the plan fails and no plan is saved.
resource "null_resource" "ok" {}

resource "null_resource" "bad" {
  triggers = { v = "${null_resource.nope.id}" }
}

output "worse" {
  value = "${var.missing}"
}
