#!/usr/bin/env bash
# Sends a signed GitHub push webhook to a running Drydock (npm run up) for a small demo
# repository it creates under ./data/demo, then waits for the build and prints the result.
#   bash scripts/demo-push.sh [drydock-url]
set -euo pipefail
cd "$(dirname "$0")/.."
url="${1:-${DRYDOCK_URL:-http://localhost:${PORT:-3000}}}"
secret="${GITHUB_WEBHOOK_SECRET:-$(cat data/webhook-secret 2>/dev/null || true)}"
[ -n "$secret" ] || { echo "demo-push: set GITHUB_WEBHOOK_SECRET (npm run up writes it to data/webhook-secret)" >&2; exit 2; }

repo="$PWD/data/demo/hello"
if [ ! -d "$repo/.git" ]; then
  mkdir -p "$repo"
  git -C "$repo" init -q -b main
  printf 'FROM busybox:latest\nRUN echo "hello from drydock" > /greeting\nCMD ["cat", "/greeting"]\n' > "$repo/Dockerfile"
  printf 'images:\n  - test: grep -q hello /greeting\n' > "$repo/.drydock.yml"
fi
date > "$repo/built-at"
git -C "$repo" add -A
git -C "$repo" -c user.name=demo -c user.email=demo@localhost commit -qm "demo $(date +%s)"
sha=$(git -C "$repo" rev-parse HEAD)

body=$(printf '{"ref":"refs/heads/main","after":"%s","repository":{"full_name":"demo/hello","clone_url":"file://%s","default_branch":"main"}}' "$sha" "$repo")
signature="sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //')"
answer=$(curl -fsS -X POST "$url/webhooks/github" \
  -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' \
  -H "X-GitHub-Delivery: demo-$sha" -H "X-Hub-Signature-256: $signature" -d "$body")
echo "webhook answered: $answer"
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(eval("JSON.parse(s)"+process.argv[1])))' "$1"; }
id=$(printf '%s' "$answer" | json '.builds[0].id')
[ -n "$id" ] || exit 1
while :; do
  status=$(curl -fsS "$url/api/builds/$id" | json '.status')
  case "$status" in queued|running) sleep 1 ;; *) break ;; esac
done
curl -fsS "$url/api/builds/$id/logs" | tail -n 15
echo "build $id: $status"
[ "$status" = success ]
