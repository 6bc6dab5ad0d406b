resource "null_resource" "r" {
  triggers = { v = "2" }
}

resource "null_resource" "other" {
  triggers = { v = "same" }
}
