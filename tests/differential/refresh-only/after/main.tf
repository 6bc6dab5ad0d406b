# Planned with -refresh-only: no resource changes (the null provider never drifts), but the
# new output value is a change a refresh-only apply would save.
resource "null_resource" "a" {}

output "o" {
  value = "2"
}
