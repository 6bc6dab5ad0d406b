module "m" {
  source   = "./modules/box"
  for_each = toset(["a", "b", "c d"])
  name     = each.key
  rev      = "1"
}
