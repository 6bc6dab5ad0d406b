# 0.11 has neither for_each nor module count: the same shape by hand.
module "dev" {
  source = "./modules/env"
  name   = "dev"
  rev    = "1"
}

module "old" {
  source = "./modules/env"
  name   = "old"
  rev    = "1"
}
