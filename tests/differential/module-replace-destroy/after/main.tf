# "b" gets a new revision (its resources are replaced), "c d" is removed (destroyed).
module "m" {
  source   = "./modules/box"
  for_each = { a = "1", b = "2" }
  name     = each.key
  rev      = each.value
}
