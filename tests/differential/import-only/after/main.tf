import {
  to = terraform_data.i
  id = "legacy-id"
}

resource "terraform_data" "i" {}
