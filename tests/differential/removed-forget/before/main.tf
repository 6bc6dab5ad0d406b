resource "terraform_data" "forget" {
  input = "f"
}

resource "terraform_data" "destroy" {
  input = "d"
}

resource "terraform_data" "keep" {
  input = "k"
}
