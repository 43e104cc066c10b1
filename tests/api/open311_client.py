"""Issue 21: an existing Open311 client against Porten. The PyPI `georeport`
client (pinned in requirements.txt) lists the services and reads a request
back, in JSON and in XML; it has no call to post, so the post is the plain
form POST every GeoReport v2 client sends. Run by tests/api/run.sh:

    python open311_client.py BASE_URL API_KEY
"""

import sys

import requests
from georeport import GeoReport

base, key = sys.argv[1].rstrip("/") + "/open311/v2", sys.argv[2]


def check(what, ok):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        sys.exit(1)


for fmt in ("json", "xml"):
    client = GeoReport(base, api_key=key, output_format=fmt)
    services = client.get_service_list()
    codes = {s["service_code"] for s in services}
    check(f"{fmt}: services list the pothole ({len(codes)} services)", "pothole" in codes)
    definition = client.get_service_definition("pothole")
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    check(f"{fmt}: the pothole's definition asks what the fault is", any(a["code"] == "fault" for a in attributes))

posted = requests.post(
    f"{base}/requests.json",
    data={
        "api_key": key,
        "service_code": "pothole",
        "lat": "62.390812",
        "long": "17.306927",
        "address_string": "Sjögatan 14",
        "email": "tolvan@example.com",
        "first_name": "Tolvan",
        "last_name": "Tolvansson",
        "description": "Djupt hål vid övergångsstället.",
        "attribute[fault]": "pothole",
    },
    timeout=10,
)
check(f"a request is posted ({posted.status_code})", posted.ok)
request_id = posted.json()[0]["service_request_id"]

for fmt in ("json", "xml"):
    client = GeoReport(base, output_format=fmt)
    one = client.get_service_request(request_id)
    check(f"{fmt}: the request reads back open", one["service_request_id"] == request_id and one["status"] == "open")
    check(f"{fmt}: at its place", float(one["lat"]) == 62.390812 and one["address"] == "Sjögatan 14")
    check(f"{fmt}: without the reporter's name or address", "Tolvan" not in str(one) and "tolvan@" not in str(one))
    listed = client.get_service_requests(service_request_id=request_id)
    if fmt == "xml":
        listed = [listed] if isinstance(listed, dict) else listed
    check(f"{fmt}: and in the list by its id", [r["service_request_id"] for r in listed] == [request_id])
    recent = client.get_service_requests(service_code="pothole", status="open")
    if fmt == "xml":
        recent = [recent] if isinstance(recent, dict) else recent
    check(f"{fmt}: and among the open potholes ({len(recent)})", request_id in [r["service_request_id"] for r in recent])
