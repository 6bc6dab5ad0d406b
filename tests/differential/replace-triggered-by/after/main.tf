# src is updated in place, which replaces dependent.
resource "terraform_data" "src" {
  input = "2"
}

resource "null_resource" "dependent" {
  lifecycle {
    replace_triggered_by = [terraform_data.src]
  }
}
