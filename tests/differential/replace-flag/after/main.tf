# Planned with -replace on a root resource and on a for_each instance with an awkward key.
resource "null_resource" "r" {}

resource "null_resource" "k" {
  for_each = toset(["a b", "c"])
}
