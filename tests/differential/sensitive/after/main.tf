# A sensitive variable forces a replacement and feeds a sensitive output.
variable "secret" {
  type      = string
  sensitive = true
  default   = "s3cr3t-2"
}

resource "null_resource" "s" {
  triggers = { secret = var.secret, plain = "x" }
}

output "secret" {
  value     = var.secret
  sensitive = true
}

output "plain" {
  value = null_resource.s.id
}
