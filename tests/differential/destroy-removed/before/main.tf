resource "null_resource" "keep" {}

resource "null_resource" "gone" {}

resource "null_resource" "many" {
  count = 2
}
