resource "terraform_data" "u" {
  input = { size = "large", tags = ["a", "b"] }
}

resource "terraform_data" "same" {
  input = "unchanged"
}
