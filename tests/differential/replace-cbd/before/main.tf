resource "null_resource" "r" {
  triggers = { v = "1" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "null_resource" "other" {
  triggers = { v = "same" }
}
