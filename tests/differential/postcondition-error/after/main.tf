# A postcondition that is already known to fail at plan time: an error, no saved plan.
resource "terraform_data" "port" {
  input = 8080

  lifecycle {
    postcondition {
      condition     = self.input == 443
      error_message = "port must be 443"
    }
  }
}

resource "null_resource" "fine" {}
