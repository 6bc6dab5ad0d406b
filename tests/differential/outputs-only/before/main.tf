resource "null_resource" "a" {}

output "changed" {
  value = "1"
}

output "removed" {
  value = "bye"
}

output "same" {
  value = "${null_resource.a.id}"
}
