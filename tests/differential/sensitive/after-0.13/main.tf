# Before 0.14 only outputs can be sensitive.
variable "secret" {
  default = "s3cr3t-2"
}

resource "null_resource" "s" {
  triggers = { secret = "${var.secret}", plain = "x" }
}

output "secret" {
  value     = "${var.secret}"
  sensitive = true
}

output "plain" {
  value = "${null_resource.s.id}"
}
