"""Send one oversized PATCH with Python's urllib and print what came back.

Usage: python oversized_patch.py URL BYTES

urllib writes the whole body before it reads the answer, as most ordinary
clients do. Prints one JSON line: {"status": ..., "body": ...} or
{"error": "..."} if the request failed (e.g. the connection was reset).
"""
import json
import sys
import urllib.error
import urllib.request

url, size = sys.argv[1], int(sys.argv[2])
body = b'{"warnings": ["' + b"a" * size + b'"]}'
req = urllib.request.Request(url, data=body, method="PATCH", headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(req, timeout=30) as resp:
        out = {"status": resp.status, "body": resp.read().decode()}
except urllib.error.HTTPError as e:
    out = {"status": e.code, "body": e.read().decode()}
except Exception as e:  # the failure this check exists to catch
    out = {"error": f"{type(e).__name__}: {e}"}
print(json.dumps(out))
