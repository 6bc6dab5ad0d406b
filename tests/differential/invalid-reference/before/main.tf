# Applied first, so that plugins are installed even where `init` itself rejects the broken
# configuration (0.11 validates references during init).
resource "null_resource" "ok" {}
