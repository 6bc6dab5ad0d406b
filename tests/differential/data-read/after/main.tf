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
