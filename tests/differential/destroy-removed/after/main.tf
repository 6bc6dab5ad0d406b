# "gone" and both "many" instances are no longer in the configuration.
resource "null_resource" "keep" {}
