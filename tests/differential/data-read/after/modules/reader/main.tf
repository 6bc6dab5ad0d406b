resource "null_resource" "src" {
  count = 2
}

data "null_data_source" "each" {
  count = 2

  inputs = {
    id = "${element(null_resource.src.*.id, count.index)}"
  }
}
