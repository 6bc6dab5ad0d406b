resource "null_resource" "u" {
  triggers = { size = "large" }
}

resource "null_resource" "same" {
  triggers = { v = "unchanged" }
}
