# null_resource.t is tainted before the plan.
resource "null_resource" "t" {}

resource "null_resource" "other" {}
