resource "null_resource" "r" {
  triggers = { v = "1" }
}

resource "null_resource" "other" {
  triggers = { v = "same" }
}
