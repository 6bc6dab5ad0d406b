module "a" {
  source = "./modules/box"
  name   = "a"
  rev    = "1"
}

module "b" {
  source = "./modules/box"
  name   = "b"
  rev    = "2"
}
