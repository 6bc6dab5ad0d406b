locals {
  hostile = [
    "```` </details></summary><script>alert(1)</script>",
    "<img src=x onerror=alert(1)> <!-- hidden -->",
    "@octocat #123 GH-7 [x](javascript:alert(1))",
    "<!channel> <@U123> *em* | a | b |",
  ]
  gone = var.phase == 1 ? toset(local.hostile) : toset([])
}

variable "phase" {
  type    = number
  default = 1
}

resource "terraform_data" "keyed" {
  for_each = toset(local.hostile)
  input    = var.phase == 1 ? "v1" : "${each.key} ``` </details> @admin"
}

resource "terraform_data" "gone" {
  for_each = local.gone
  input    = each.key
}

resource "terraform_data" "replaced" {
  for_each         = toset(local.hostile)
  triggers_replace = var.phase == 1 ? "a" : "<script>alert('${each.key}')</script>"
}

resource "terraform_data" "heredoc" {
  input = var.phase == 1 ? "x" : <<-EOT
    ```
    </details>
    <script>alert(1)</script>
    @octocat #123
    ```
  EOT
}

output "hostile" {
  value = var.phase == 1 ? "a" : "</details><script>x</script> @octocat #1 ````"
}

check "hostile" {
  assert {
    condition     = var.phase == 1
    error_message = "</details><script>alert(1)</script> @octocat #123 ```` <!-- x -->"
  }
}
