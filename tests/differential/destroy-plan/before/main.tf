# Planned with -destroy.
resource "null_resource" "a" {}

resource "null_resource" "b" {
  count = 2
}

output "a" {
  value = "${null_resource.a.id}"
}
