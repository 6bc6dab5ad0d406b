# Only outputs change: one updated, one removed, one added.
resource "null_resource" "a" {}

output "changed" {
  value = "2"
}

output "added" {
  value = "hi"
}

output "same" {
  value = "${null_resource.a.id}"
}

output "list" {
  value = ["a", "b", "c"]
}

output "map" {
  value = { k = "w", new = "y" }
}
