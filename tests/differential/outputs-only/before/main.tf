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

output "list" {
  value = ["a", "b"]
}

output "map" {
  value = { k = "v", gone = "x" }
}
