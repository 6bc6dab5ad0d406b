# A failing check block is a warning, not an error: the plan goes on.
resource "terraform_data" "port" {
  input = 8080
}

check "port_is_https" {
  assert {
    condition     = terraform_data.port.input == 443
    error_message = "port must be 443"
  }
}
