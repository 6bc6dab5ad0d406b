# Imported and then updated (the imported object has no input), next to a plain create.
import {
  to = terraform_data.iu
  id = "iu-1"
}

resource "terraform_data" "iu" {
  input = "managed"
}

resource "null_resource" "fresh" {}
