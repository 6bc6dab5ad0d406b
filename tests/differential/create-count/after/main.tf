# Three instances by count, plus an output that depends on them.
resource "null_resource" "c" {
  count    = 3
  triggers = { i = "${count.index}" }
}

output "ids" {
  value = "${join(",", null_resource.c.*.id)}"
}
