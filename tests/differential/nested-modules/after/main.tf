# "old" goes away, "prod" arrives, and a new revision replaces dev's services.
module "env" {
  source   = "./modules/env"
  for_each = { dev = "2", prod = "1" }
  name     = each.key
  rev      = each.value
}
