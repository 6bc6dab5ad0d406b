# Names that are also address keywords (module, data, resource types) and keys that look like
# addresses: the address's parts must be split by its syntax, not by its words.
module "data" {
  source = "./modules/inner"
}

resource "null_resource" "module" {
  for_each = toset(["module.x.y", "data.null_resource.z[0]"])
}

resource "null_resource" "data" {
  count = 1
}
