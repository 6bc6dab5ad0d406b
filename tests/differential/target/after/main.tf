# Planned with -target=null_resource.a: only a is planned, with a warning.
resource "null_resource" "a" {}

resource "null_resource" "b" {}

resource "null_resource" "c" {
  count = 2
}
