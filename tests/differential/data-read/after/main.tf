# The data source depends on an id known only after apply, so it is read during apply.
resource "null_resource" "a" {}

data "null_data_source" "d" {
  inputs = {
    id = "${null_resource.a.id}"
  }
}

output "d" {
  value = "${data.null_data_source.d.outputs["id"]}"
}

# The same inside a module, with count: data sources' addresses in modules and with an index.
module "reader" {
  source = "./modules/reader"
}
