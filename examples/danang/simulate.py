#!/usr/bin/env python3
"""Simulated sensors and operators for the Da Nang demo (standard library only).

Feeds rainfall, river level, PM2.5 and traffic flow for every area of the federation, raises the
Han river at Hai Chau through alarm levels 1.70 / 2.20 / 2.70 m and back, files citizen requests,
lets the duty officer handle the flood incident, and prints what the city IOC sees.
"""
import argparse
import json
import math
import random
import time
import urllib.error
import urllib.request

AREAS = ["danang", "danang/hai-chau", "danang/thanh-khe", "danang/son-tra", "danang/ngu-hanh-son",
         "danang/lien-chieu", "danang/cam-le", "danang/hoa-vang", "danang/health", "danang/education",
         "danang/trade"]


def call(url, token, method="GET", body=None, content_type="application/json", accept=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", content_type)
    if accept:
        req.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            text = res.read().decode()
            return res.status, (text if accept else json.loads(text))
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode() or "{}")


def river_level(t, total):
    """Rises from 1.2 m to about 2.9 m over the first 45% of the run, then falls back."""
    peak = 0.45 * total
    if t <= peak:
        return 1.2 + 1.7 * (t / peak)
    return max(1.0, 2.9 - 2.0 * (t - peak) / (0.4 * total))


def readings(t, total):
    now = int(time.time() * 1000)
    rows = []
    for area in AREAS[1:8]:
        rain = max(0.0, 20 + 40 * math.sin(t / 15) + random.gauss(0, 5))
        rows.append({"source": "rain-" + area.split("/")[1], "metric": "rainfall", "ts": now, "value": round(rain, 1),
                     "unit": "mm/h", "area": area})
        rows.append({"source": "air-" + area.split("/")[1], "metric": "pm25", "ts": now,
                     "value": round(max(5.0, random.gauss(35, 10)), 1), "unit": "ug/m3", "area": area})
        rows.append({"source": "loop-" + area.split("/")[1], "metric": "traffic_flow", "ts": now,
                     "value": max(0, int(random.gauss(900, 200))), "unit": "veh/h", "area": area})
    rows.append({"source": "gauge-han-hai-chau", "metric": "river_level", "ts": now,
                 "value": round(river_level(t, total) + random.gauss(0, 0.01), 3), "unit": "m",
                 "area": "danang/hai-chau", "tags": {"river": "han"}})
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--ingest", required=True)
    p.add_argument("--operator", required=True)
    p.add_argument("--viewer", required=True)
    p.add_argument("--seconds", type=float, default=60)
    a = p.parse_args()
    start = time.time()
    seen_alerts, handled = set(), set()
    _, earlier = call(a.url + "/api/v1/alerts?limit=10000", a.viewer)
    seen_alerts.update(alert["identifier"] for alert in earlier.get("items", []))
    if seen_alerts:
        print("(%d CAP messages from earlier runs are in the store; showing new ones only)" % len(seen_alerts))
    step = 0
    try:
        while time.time() - start < a.seconds:
            t = time.time() - start
            status, res = call(a.url + "/api/v1/observations", a.ingest, "POST", readings(t, a.seconds))
            if status != 202:
                print("ingest refused:", status, res)
            if step % 7 == 3:
                form = "service_code=%s&lat=%.4f&long=%.4f&description=%s&area=%s" % (
                    random.choice(["pothole", "flooding", "noise", "streetlight"]), 16.05 + random.random() / 20,
                    108.2 + random.random() / 20, "reported+via+app", random.choice(AREAS[1:8]).replace("/", "%2F"))
                call(a.url + "/open311/v2/requests.json", a.ingest, "POST", form.encode(),
                     "application/x-www-form-urlencoded")
            _, alerts = call(a.url + "/api/v1/alerts?limit=1000", a.viewer)
            for alert in alerts.get("items", []):
                if alert["identifier"] in seen_alerts:
                    continue
                seen_alerts.add(alert["identifier"])
                print("[%5.1fs] CAP %-6s %-8s %s (%s)" % (t, alert["msgType"], alert["severity"], alert["headline"],
                                                         alert["area"]))
                if alert["msgType"] == "Alert" and alert["severity"] in ("Severe", "Extreme") and len(seen_alerts) < 6:
                    _, xml = call(a.url + "/api/v1/alerts/" + alert["identifier"], a.viewer,
                                  accept="application/cap+xml")
                    print("         as CAP 1.2 XML:", " ".join(xml.split())[:160] + " ...")
            _, incidents = call(a.url + "/api/v1/incidents?status=reported", a.viewer)
            for inc in incidents.get("items", []):
                if inc["id"] in handled:
                    continue
                handled.add(inc["id"])
                for action, note in (("acknowledge", "duty officer on it"), ("dispatch", "pump truck 3 sent")):
                    call(a.url + "/api/v1/incidents/%s/actions" % inc["id"], a.operator, "POST",
                         {"action": action, "note": note})
                print("[%5.1fs] incident %s (%s, %s) acknowledged and dispatched" % (t, inc["title"], inc["severity"],
                                                                                   inc["area"]))
            if step % 10 == 0:
                _, s = call(a.url + "/api/v1/summary?window=15m&metrics=river_level,rainfall,pm25", a.viewer)
                m = s.get("metrics", {})
                river = m.get("river_level", {})
                print("[%5.1fs] city summary: river max %.2f m p50 %.2f m | rainfall p90 %.1f mm/h | pm25 p99 %.1f | "
                      "incidents %d | requests open %d" % (
                          t, river.get("max", 0), river.get("p50", 0), m.get("rainfall", {}).get("p90", 0),
                          m.get("pm25", {}).get("p99", 0), s["incidents"]["total"], s["serviceRequests"]["open"]))
            step += 1
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    print("\nfinal city summary (15 minutes):")
    _, s = call(a.url + "/api/v1/summary?window=15m", a.viewer)
    print(json.dumps({k: s[k] for k in ("window", "metrics", "incidents", "serviceRequests")}, indent=1)[:2500])


if __name__ == "__main__":
    main()
