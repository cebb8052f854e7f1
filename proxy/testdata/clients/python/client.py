"""Fetches each URL given with requests through HTTPS_PROXY (CONNECT),
trusting REQUESTS_CA_BUNDLE, and prints "<status> <url>" per URL."""
import sys

import requests

with requests.Session() as session:
    for url in sys.argv[1:]:
        resp = session.get(url, timeout=20)
        print(resp.status_code, url)
