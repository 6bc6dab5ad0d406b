locals {
  ids = { "east" = "id-e", "we st" = "id-w" }
}

import {
  for_each = local.ids
  to       = terraform_data.f[each.key]
  id       = each.value
}

resource "terraform_data" "f" {
  for_each = local.ids
}
