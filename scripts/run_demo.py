"""`make run`: seed the demo records, print their tokens and a curl example, then serve."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    clientbook = str(BIN / "clientbook")
    out = subprocess.run([clientbook, "demo"], check=True, capture_output=True, text=True).stdout
    demo = json.loads(out)
    base = f"http://{args.host}:{args.port}"
    token = demo["staff"]["token"]
    print(
        f"""
clientbook demo ({os.environ.get("CLIENTBOOK_DATABASE_URL", "sqlite:///./data/clientbook.db")})
  directory {demo["directory"]["uid"]}  token: {demo["directory"]["token"]}
  business  {demo["business"]["uid"]}
  staff     {demo["staff"]["uid"]}  token: {token}
  app       {demo["app"]["uid"]}  token: {demo["app"]["token"]}

Try it (in another terminal):
  export TOKEN={token}
  ID=$(curl -s -X POST {base}/platform/v1/clients -H "Authorization: Bearer $TOKEN" \
       -H 'Content-Type: application/json' -d '{{"first_name": "Ada", "address": "1 Main St"}}' \
       | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["client"]["id"])')
  curl -s {base}/platform/v1/clients/$ID -H "Authorization: Bearer $TOKEN"
  curl -s -X PUT {base}/platform/v1/clients/$ID -H "Authorization: Bearer $TOKEN" \
       -H 'Content-Type: application/json' \
       -d '{{"last_name": "Lovelace", "address": null, "force_nullifying": true}}'
""",
        flush=True,
    )
    os.execv(clientbook, [clientbook, "serve", "--host", args.host, "--port", str(args.port)])


if __name__ == "__main__":
    raise SystemExit(main())
