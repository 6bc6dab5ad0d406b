# for_each keys Terraform must quote and escape in addresses.
locals {
  keys = [
    "plain",
    "with space",
    "quote\"d",
    "ünïcödé ✓",
    "#hash",
    "[bracket]",
    "dot.ted",
    "gone key",
    "#gone",
    "trig ger",
    "back\\slash",
  ]
}

resource "null_resource" "k" {
  for_each = toset(local.keys)
  triggers = { key = each.key, v = each.key == "trig ger" ? "1" : "same" }
}
