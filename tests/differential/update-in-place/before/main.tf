resource "terraform_data" "u" {
  input = { size = "small", tags = ["a"] }
}

resource "terraform_data" "same" {
  input = "unchanged"
}
