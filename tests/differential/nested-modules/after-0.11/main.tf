module "dev" {
  source = "./modules/env"
  name   = "dev"
  rev    = "2"
}

module "prod" {
  source = "./modules/env"
  name   = "prod"
  rev    = "1"
}
