resource "null_resource" "a" {
  count = 2
}

output "a" {
  value = "${null_resource.a.0.id}"
}
