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
    "trig ger",
    "back\\slash",
    "new key",
    "a.b[\"c\"]",
    "sl/ash #1",
  ]
}

resource "null_resource" "k" {
  for_each = toset(local.keys)
  triggers = { key = each.key, v = each.key == "trig ger" ? "2" : "same" }
}
