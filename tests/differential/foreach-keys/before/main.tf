# for_each keys Terraform must quote and escape in addresses.
locals {
  keys = [
    "plain",
    "gone key",
    "#gone",
    "[gone.bracket]",
    "trig \"quote\"",
    "ünïcödé ✓",
  ]
}

resource "null_resource" "k" {
  for_each = toset(local.keys)
  triggers = { key = each.key, v = each.key == "plain" ? "same" : "1" }
}
