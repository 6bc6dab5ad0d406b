# One object forgotten (destroy = false), one destroyed through a removed block.
resource "terraform_data" "keep" {
  input = "k"
}

removed {
  from = terraform_data.forget
  lifecycle {
    destroy = false
  }
}

removed {
  from = terraform_data.destroy
  lifecycle {
    destroy = true
  }
}
