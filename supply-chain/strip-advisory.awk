# Keeps an advisory's TOML front matter (ids, dates, version ranges: the data cargo-deny
# matches on) and replaces its prose with a title naming it and a link to the full text.
BEGIN { fence = 0 }
/^```/ { fence++; print; if (fence == 2) { exit } ; next }
fence == 1 {
  if ($0 ~ /^id = /) { id = $3; gsub(/"/, "", id) }
  if ($0 ~ /^package = /) { pkg = $3; gsub(/"/, "", pkg) }
  print
}
END {
  printf "\n# %s: advisory for `%s`\n\nThe advisory's text: https://rustsec.org/advisories/%s.html\n", id, pkg, id
}
