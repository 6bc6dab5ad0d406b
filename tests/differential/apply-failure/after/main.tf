# The plan is fine; applying it fails in a provisioner, after one resource was created.
resource "null_resource" "ok" {}

resource "null_resource" "fail" {
  depends_on = ["null_resource.ok"]

  provisioner "local-exec" {
    command = "echo provisioning fails on purpose; exit 3"
  }
}
