# Both move into modules, one of them an instance with an awkward key.
module "single" {
  source = "./modules/holder"
  input  = "a"
}

module "many" {
  source   = "./modules/holder"
  for_each = toset(["k ey"])
  input    = "b"
}

moved {
  from = terraform_data.a
  to   = module.single.terraform_data.this
}

moved {
  from = terraform_data.b
  to   = module.many["k ey"].terraform_data.this
}
