module "env" {
  source   = "./modules/env"
  for_each = toset(["dev", "old"])
  name     = each.key
  rev      = "1"
}
