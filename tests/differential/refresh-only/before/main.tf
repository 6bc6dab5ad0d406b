resource "null_resource" "a" {}

output "o" {
  value = "1"
}
