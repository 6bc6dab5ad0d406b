# 0.11 has no module for_each: one module block per instance.
module "a" {
  source = "./modules/box"
  name   = "a"
  rev    = "1"
}

module "b" {
  source = "./modules/box"
  name   = "b"
  rev    = "1"
}

module "c" {
  source = "./modules/box"
  name   = "c"
  rev    = "1"
}
