#!/usr/bin/env python3
"""Runs the release binary in empty root filesystems and checks what a scratch or Alpine image needs.

Run by tests/install_dist.rs inside a private network namespace (`unshare --net`, plus
`--map-root-user` when not root), so it can serve DNS on 127.0.0.1:53 and HTTPS on any port without
touching the machine's own. Two roots, each made from the release archive and nothing else:

* the container image's (dist/rootfs.sh, what the Dockerfile copies onto scratch): CA roots at
  /etc/ssl/certs/ca-certificates.crt, names resolved by the DNS server in /etc/resolv.conf, run as
  the image's numeric user;
* the bare archive unpacked: CA roots from SSL_CERT_FILE, names resolved from /etc/hosts.

In each: `tfpost --version`, `tfpost render` of a plan (byte-identical to the host build's), and
`tfpost plan --notify slack` posting over HTTPS to an incoming webhook on a name only the root can
resolve. Controls that must fail: no CA roots, and a name the root cannot resolve.
Exits non-zero with a message on the first failed check.
"""

import argparse
import http.server
import json
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tarfile
import tempfile
import threading

# Known to the test's DNS server only, and to the bare root's /etc/hosts only: each root can reach
# the webhook by its name only through the lookup it is meant to prove.
DNS_HOST = "hooks.slack.test"
HOSTS_HOST = "hooks.hosts.test"
UNKNOWN_HOST = "nowhere.slack.test"
HOOK_PATH = "/services/T000/B000/secret"


def fail(message):
    print(f"empty_root: {message}", file=sys.stderr)
    sys.exit(1)


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, timeout=60, **kwargs)


def make_certificates(workdir):
    """A test CA and a server certificate for both names signed by it (rustls rejects a CA
    certificate used as the server's own)."""
    ca_key, ca_pem = f"{workdir}/ca.key", f"{workdir}/ca.pem"
    key, csr, pem = f"{workdir}/server.key", f"{workdir}/server.csr", f"{workdir}/server.pem"
    ext = f"{workdir}/server.ext"
    with open(ext, "w") as f:
        f.write(f"subjectAltName=DNS:{DNS_HOST},DNS:{HOSTS_HOST}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    steps = [
        ["openssl", "req", "-x509", *ec, "-keyout", ca_key, "-out", ca_pem, "-days", "2",
         "-subj", "/CN=tfpost test CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign"],
        ["openssl", "req", *ec, "-keyout", key, "-out", csr, "-subj", f"/CN={DNS_HOST}"],
        ["openssl", "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial",
         "-out", pem, "-days", "2", "-extfile", ext],
    ]
    for step in steps:
        done = run(step)
        if done.returncode != 0:
            fail(f"{' '.join(step[:3])} failed: {done.stderr.decode(errors='replace')}")
    return ca_pem, pem, key


class Webhook(http.server.BaseHTTPRequestHandler):
    """Slack's incoming webhook: answers `ok` and keeps what was posted."""

    posts = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Webhook.posts.append((self.headers.get("Host"), self.path, body))
        reply = b"ok"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def serve_webhook(cert, key):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def serve_dns():
    """A DNS server on 127.0.0.1:53 that knows DNS_HOST's A record and nothing else."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 53))

    def answer(query):
        qid, _flags, qdcount = struct.unpack("!HHH", query[:6])
        if qdcount != 1:
            return None
        labels, i = [], 12
        while query[i] != 0:
            labels.append(query[i + 1 : i + 1 + query[i]].decode("ascii", "replace"))
            i += 1 + query[i]
        qtype, _qclass = struct.unpack("!HH", query[i + 1 : i + 5])
        question = query[12 : i + 5]
        name = ".".join(labels).lower()
        if name != DNS_HOST:
            return struct.pack("!HHHHHH", qid, 0x8183, 1, 0, 0, 0) + question  # NXDOMAIN
        if qtype != 1:
            return struct.pack("!HHHHHH", qid, 0x8180, 1, 0, 0, 0) + question  # no AAAA
        record = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
        return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + record

    def loop():
        while True:
            query, peer = sock.recvfrom(512)
            try:
                reply = answer(query)
            except (IndexError, struct.error):
                reply = None
            if reply:
                sock.sendto(reply, peer)

    threading.Thread(target=loop, daemon=True).start()


def chroot(root, args, env, user=None, stdin=None):
    # Found on this machine's PATH: `env` is the root's environment, where PATH leads nowhere.
    cmd = [shutil.which("chroot") or fail("chroot is not installed")]
    if user:
        cmd.append(f"--userspec={user}")
    cmd += [root, *args]
    return run(cmd, env=env, input=stdin)


def check_root(label, root, binary, env, user, hook_host, plan, expected_render, port, version, target):
    base = {"PATH": "/nonexistent", **env}
    done = chroot(root, [binary, "--version"], base, user)
    out = done.stdout.decode(errors="replace").strip()
    prefix = f"tfpost {version} (commit "
    if done.returncode != 0 or not out.startswith(prefix) or not out.endswith(f", {target})"):
        fail(f"{label}: `tfpost --version` gave {done.returncode} {out!r} {done.stderr!r}, "
             f"expected '{prefix}<commit>, {target})'")

    done = chroot(root, [binary, "render", "/plan.txt", "--var", "target=plan"], base, user)
    if done.returncode != 0 or done.stdout != expected_render:
        fail(f"{label}: `tfpost render` differs from the host build's (exit {done.returncode}): "
             f"{done.stderr.decode(errors='replace')}")

    ci = {**base, "CI": "true", "CIRCLECI": "true", "CIRCLE_PROJECT_USERNAME": "acme",
          "CIRCLE_PROJECT_REPONAME": "infra", "CIRCLE_SHA1": "abc123",
          "CIRCLE_BUILD_URL": "https://circleci.com/gh/acme/infra/7"}
    Webhook.posts.clear()
    hook = {**ci, "SLACK_WEBHOOK_URL": f"https://{hook_host}:{port}{HOOK_PATH}"}
    done = chroot(root, [binary, "plan", "--notify", "slack"], hook, user, stdin=plan)
    if done.returncode != 0:
        fail(f"{label}: posting to the webhook over HTTPS failed (exit {done.returncode}): "
             f"{done.stderr.decode(errors='replace')}")
    if done.stdout != plan:
        fail(f"{label}: `tfpost plan` did not pass the plan through unchanged")
    if len(Webhook.posts) != 1:
        fail(f"{label}: the webhook got {len(Webhook.posts)} posts, expected 1")
    host, path, body = Webhook.posts[0]
    if path != HOOK_PATH or not host.startswith(hook_host) or "blocks" not in json.loads(body):
        fail(f"{label}: unexpected post {host} {path} {body[:200]!r}")

    # Controls: each must fail, or the checks above prove nothing.
    unknown = {**ci, "SLACK_WEBHOOK_URL": f"https://{UNKNOWN_HOST}:{port}{HOOK_PATH}"}
    done = chroot(root, [binary, "plan", "--notify", "slack"], unknown, user, stdin=plan)
    if done.returncode == 0:
        fail(f"{label}: a post to {UNKNOWN_HOST}, which the root cannot resolve, succeeded")
    if b"dns error" not in done.stderr:
        fail(f"{label}: the post to {UNKNOWN_HOST} failed, but not on name resolution: {done.stderr!r}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--archive", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--expected-render", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--target", required=True)
    args = parser.parse_args()

    done = run(["ip", "link", "set", "lo", "up"])
    if done.returncode != 0:
        fail(f"cannot bring up the namespace's loopback: {done.stderr.decode(errors='replace')}")
    # The image's numeric user (Dockerfile USER). Under --map-root-user only uid 0 is mapped, so
    # there the image's root is entered as that root instead.
    image_user = "65532:65532" if os.geteuid() == 0 and not os.environ.get("TFPOST_USERNS") else None
    with open(args.plan, "rb") as f:
        plan = f.read()
    with open(args.expected_render, "rb") as f:
        expected_render = f.read()

    work = tempfile.mkdtemp(prefix="tfpost-empty-root-")
    try:
        ca_pem, cert, key = make_certificates(work)
        port = serve_webhook(cert, key)
        serve_dns()
        name = os.path.basename(args.archive)[: -len(".tar.gz")]

        # The container image's root.
        image = f"{work}/image"
        done = run(["bash", os.path.join(os.path.dirname(__file__), "../../dist/rootfs.sh"),
                    args.archive, image, ca_pem])
        if done.returncode != 0:
            fail(f"dist/rootfs.sh failed: {done.stderr.decode(errors='replace')}")
        shutil.copy(args.plan, f"{image}/plan.txt")
        os.chmod(f"{image}/plan.txt", 0o644)
        os.makedirs(f"{image}/etc", exist_ok=True)
        with open(f"{image}/etc/resolv.conf", "w") as f:
            f.write("nameserver 127.0.0.1\n")
        user = image_user
        check_root("container image root", image, "/usr/local/bin/tfpost", {"TMPDIR": "/tmp"},
                   user, DNS_HOST, plan, expected_render, port, args.version, args.target)
        os.remove(f"{image}/etc/ssl/certs/ca-certificates.crt")
        done = chroot(image, ["/usr/local/bin/tfpost", "plan", "--notify", "slack"],
                      {"CI": "true", "CIRCLECI": "true", "CIRCLE_PROJECT_USERNAME": "acme",
                       "CIRCLE_PROJECT_REPONAME": "infra", "CIRCLE_SHA1": "abc123",
                       "SLACK_WEBHOOK_URL": f"https://{DNS_HOST}:{port}{HOOK_PATH}"},
                      user, stdin=plan)
        if done.returncode == 0:
            fail("container image root: the webhook post succeeded without any CA roots")
        if b"no TLS root certificates" not in done.stderr:
            fail(f"container image root: without CA roots the post failed otherwise: {done.stderr!r}")

        # The bare archive, unpacked.
        bare = f"{work}/bare"
        os.makedirs(f"{bare}/etc")
        with tarfile.open(args.archive) as tar:
            tar.extractall(bare, filter="data")
        shutil.copy(args.plan, f"{bare}/plan.txt")
        shutil.copy(ca_pem, f"{bare}/test-ca.pem")
        with open(f"{bare}/etc/hosts", "w") as f:
            f.write(f"127.0.0.1 {HOSTS_HOST}\n")
        check_root("unpacked archive root", bare, f"/{name}/tfpost", {"SSL_CERT_FILE": "/test-ca.pem"},
                   None, HOSTS_HOST, plan, expected_render, port, args.version, args.target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("empty_root: all checks passed")


if __name__ == "__main__":
    main()
