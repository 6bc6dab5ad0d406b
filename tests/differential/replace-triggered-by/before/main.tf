resource "terraform_data" "src" {
  input = "1"
}

resource "null_resource" "dependent" {
  lifecycle {
    replace_triggered_by = [terraform_data.src]
  }
}
