# Every key but "plain" is created, destroyed or (a new trigger value) replaced, so each
# awkward key shows up in the plan: spaces, quotes, unicode, #, brackets, dots, backslash, tab,
# and one that reads like the end of a plan line.
locals {
  keys = [
    "plain",
    "trig \"quote\"",
    "ünïcödé ✓",
    "with space",
    "quote\"d",
    "日本語",
    "#hash",
    "[bracket]",
    "dot.ted",
    "back\\slash",
    "a.b[\"c\"]",
    "sl/ash #1",
    "tab\there",
    "evil\"] will be destroyed",
  ]
}

resource "null_resource" "k" {
  for_each = toset(local.keys)
  triggers = { key = each.key, v = each.key == "plain" ? "same" : "2" }
}
