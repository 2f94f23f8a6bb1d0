#!/usr/bin/env python3
"""Simulated sensors and operators for the Da Nang demo (standard library and mosquitto_pub).

Each district operations centre gets rainfall, PM2.5 and traffic flow from its own sensors (Son
Tra's publish SenML to the district's MQTT broker, the others post to their node); Hai
Chau's gauge on the Han river rises through alarm levels 1.70 / 2.20 / 2.70 m and back. Citizens
file Open311 requests at their district. Hai Chau owns the flood incident its rules open (a
moderate flood is within its delegated authority); the city orders the dispatch down to it; when the
river passes alarm level 3 Hai Chau escalates and the city becomes the owner (with a CAP Update);
when the river falls the city resolves it and the version travels back down. This prints what the
city IOC sees of it all through the federation.
"""
import argparse
import json
import math
import random
import subprocess
import time
import urllib.error
import urllib.request

AREAS = ["danang", "danang/hai-chau", "danang/thanh-khe", "danang/son-tra", "danang/ngu-hanh-son",
         "danang/lien-chieu", "danang/cam-le", "danang/hoa-vang", "danang/health", "danang/education",
         "danang/trade"]
DISTRICTS = AREAS[1:8]


# The warning the city issues during the demo: the coastal districts, in both languages.
TYPHOON = {
    "category": "Met", "urgency": "Expected", "severity": "Severe", "certainty": "Likely",
    "domain": "flood", "language": "vi-VN", "event": "B\u00e3o",
    "headline": "B\u00e3o s\u1ed1 9 \u0111\u1ed5 b\u1ed9 \u0110\u00e0 N\u1eb5ng t\u1ed1i nay",
    "instruction": "Di d\u1eddi kh\u1ecfi v\u00f9ng tr\u0169ng ven bi\u1ec3n tr\u01b0\u1edbc 18:00",
    "translations": [{"language": "en-US", "event": "Typhoon",
                      "headline": "Typhoon 9 makes landfall in Da Nang tonight",
                      "instruction": "Leave low-lying coastal areas before 18:00"}],
    "areas": ["danang/son-tra", "danang/ngu-hanh-son", "danang/lien-chieu", "danang/thanh-khe"],
}


def url_of(node):
    return "http://127.0.0.1:%d" % (7100 + AREAS.index(node))


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


def readings(area, t, total):
    now = int(time.time() * 1000)
    name = area.split("/")[1]
    rows = [
        {"source": "rain-" + name, "metric": "rainfall", "ts": now, "unit": "mm/h", "area": area,
         "value": round(max(0.0, 20 + 40 * math.sin(t / 15) + random.gauss(0, 5)), 1)},
        {"source": "air-" + name, "metric": "pm25", "ts": now, "unit": "ug/m3", "area": area,
         "value": round(max(5.0, random.gauss(35, 10)), 1)},
        {"source": "loop-" + name, "metric": "traffic_flow", "ts": now, "unit": "veh/h", "area": area,
         "value": max(0, int(random.gauss(900, 200)))},
    ]
    if area == "danang/hai-chau":
        rows.append({"source": "gauge-han-hai-chau", "metric": "river_level", "ts": now, "unit": "m", "area": area,
                     "value": round(river_level(t, total) + random.gauss(0, 0.01), 3), "tags": {"river": "han"}})
    return rows


MQTT_DISTRICT = "danang/son-tra"


class MqttSensors:
    """Son Tra's sensors: one mosquitto_pub per sensor, each line a SenML pack on
    ioc/<area>/<sensor> (QoS 1), as the district's Sources file expects."""

    def __init__(self, port=7183):
        self.port, self.publishers = port, {}

    def publish(self, rows):
        for row in rows:
            topic = "ioc/%s/%s" % (row["area"], row["source"])
            if topic not in self.publishers:
                self.publishers[topic] = subprocess.Popen(
                    ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.port), "-q", "1",
                     "-i", "sim-" + row["source"], "-t", topic, "-l"], stdin=subprocess.PIPE, text=True)
            pack = [{"bt": row["ts"] / 1000, "n": row["metric"], "u": row["unit"], "v": row["value"]}]
            self.publishers[topic].stdin.write(json.dumps(pack) + "\n")
            self.publishers[topic].stdin.flush()

    def close(self):
        for p in self.publishers.values():
            p.stdin.close()
            p.wait(timeout=5)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tokens", required=True, help="JSON file: node id -> admin token")
    p.add_argument("--seconds", type=float, default=60)
    a = p.parse_args()
    tokens = json.load(open(a.tokens))
    city, city_token = url_of("danang"), tokens["danang"]
    hai_chau, hc_token = url_of("danang/hai-chau"), tokens["danang/hai-chau"]
    start = time.time()
    seen_alerts, handled = set(), set()
    pending_dispatch, watching, escalated, resolved = [], {}, {}, {}
    typhoon, typhoon_seen = None, set()
    _, earlier = call(city + "/api/v1/alerts?limit=10000", city_token)
    seen_alerts.update(alert["identifier"] for alert in earlier.get("items", []))
    if seen_alerts:
        print("(%d CAP messages from earlier runs are at the city; showing new ones only)" % len(seen_alerts))
    step = 0
    sensors = MqttSensors()
    try:
        while time.time() - start < a.seconds:
            t = time.time() - start
            for district in DISTRICTS:
                if district == MQTT_DISTRICT:
                    sensors.publish(readings(district, t, a.seconds))
                    continue
                status, res = call(url_of(district) + "/api/v1/observations", tokens[district], "POST",
                                   readings(district, t, a.seconds))
                if status != 202:
                    print("ingest at %s refused: %s %s" % (district, status, res))
            if step % 5 == 2:
                district = random.choice(DISTRICTS)
                form = "service_code=%s&lat=%.4f&long=%.4f&description=%s&area=%s" % (
                    random.choice(["pothole", "flooding", "noise", "streetlight"]), 16.05 + random.random() / 20,
                    108.2 + random.random() / 20, "reported+via+app", district.replace("/", "%2F"))
                call(url_of(district) + "/open311/v2/requests.json", tokens[district], "POST", form.encode(),
                     "application/x-www-form-urlencoded")
            # What the city sees: alerts raised in the districts, shipped up the federation.
            _, alerts = call(city + "/api/v1/alerts?limit=10000", city_token)
            for alert in alerts.get("items", []):
                if alert["identifier"] in seen_alerts:
                    continue
                seen_alerts.add(alert["identifier"])
                print("[%5.1fs] city sees CAP %-6s %-8s %s (raised by %s)" % (
                    t, alert["msgType"], alert["severity"], alert["headline"], alert["sender"]))
                if alert["msgType"] == "Alert" and alert["severity"] in ("Severe", "Extreme"):
                    _, xml = call(city + "/api/v1/alerts/" + alert["identifier"], city_token,
                                  accept="application/cap+xml")
                    print("         as CAP 1.2 XML:", " ".join(xml.split())[:150] + " ...")
            # The city's duty officer warns the coast of a typhoon, in Vietnamese and English; the
            # warning goes down, signed by the city, to the districts it covers, and each serves it
            # in its public feed (no token) for citizen apps.
            if step == 3:
                status, warning = call(city + "/api/v1/alerts", city_token, "POST", json.dumps(TYPHOON).encode())
                if status == 201:
                    typhoon = warning["identifier"]
                    print("[%5.1fs] the city issued a typhoon warning for %s: %s" % (
                        t, ", ".join(TYPHOON["areas"]), warning["headline"]))
                else:
                    print("typhoon warning refused: %s %s" % (status, warning))
            if typhoon and len(typhoon_seen) < len(TYPHOON["areas"]):
                for district in TYPHOON["areas"]:
                    _, feed = call(url_of(district) + "/public/v1/alerts.atom", "", accept="application/atom+xml")
                    if typhoon in feed:
                        typhoon_seen.add(district)
                if len(typhoon_seen) == len(TYPHOON["areas"]):
                    print("[%5.1fs] the warning is in the public feed of every coastal district "
                          "(GET /public/v1/alerts.atom)" % t)
            # Hai Chau's duty officer acknowledges the flood incident its rules opened (a moderate
            # flood is within the district's delegated authority, so Hai Chau owns it). The city's
            # duty officer orders the dispatch: the command travels down to Hai Chau, the owner.
            _, incidents = call(hai_chau + "/api/v1/incidents?status=reported", hc_token)
            for inc in incidents.get("items", []):
                if inc["id"] in handled or inc["owner"] != "danang/hai-chau":
                    continue
                handled.add(inc["id"])
                status, res = call(hai_chau + "/api/v1/incidents/%s/actions" % inc["id"], hc_token, "POST",
                                   {"action": "acknowledge", "note": "Hai Chau duty officer on it"})
                print("[%5.1fs] Hai Chau acknowledged: %s (%s, owner %s, grant %s)" % (
                    t, inc["title"], inc["severity"], inc["owner"], res.get("history", [{}])[-1].get("grant")))
                pending_dispatch.append(inc["id"])
            for incident_id in list(pending_dispatch):
                status, res = call(city + "/api/v1/incidents/%s/actions" % incident_id, city_token, "POST",
                                   {"action": "dispatch", "note": "city sends pump trucks 3 and 7"})
                if status == 202:
                    pending_dispatch.remove(incident_id)
                    print("[%5.1fs] the city ordered the dispatch: command %s sent down to %s (the owner)" % (
                        t, res["forwarded"]["command"], res["forwarded"]["owner"]))
                    watching[incident_id] = t
            # The river passes alarm level 3: Hai Chau escalates. Ownership moves to the nearest node
            # above whose authority covers the flood (the city), with a CAP Update for the alert.
            if river_level(t, a.seconds) > 2.75:
                for incident_id in list(watching):
                    status, res = call(hai_chau + "/api/v1/incidents/%s/actions" % incident_id, hc_token, "POST",
                                       {"action": "escalate", "note": "river above 2.70 m and rising"})
                    if status == 200:
                        del watching[incident_id]
                        escalated[incident_id] = t
                        print("[%5.1fs] Hai Chau escalated %s: owner now %s (version %d)" % (
                            t, incident_id, res["owner"], res["version"]))
            # The river falls below level 2: the city, now the owner, resolves it; the new version
            # travels down to Hai Chau, where it was reported.
            if t > 0.45 * a.seconds and river_level(t, a.seconds) < 2.15:
                for incident_id in list(escalated):
                    status, res = call(city + "/api/v1/incidents/%s/actions" % incident_id, city_token, "POST",
                                       {"action": "resolve", "note": "river back below alarm level 2"})
                    if status == 200:
                        del escalated[incident_id]
                        resolved[incident_id] = t
                        print("[%5.1fs] the city resolved %s as its owner (version %d)" % (
                            t, incident_id, res["version"]))
            for incident_id in list(resolved):
                _, inc = call(hai_chau + "/api/v1/incidents/" + incident_id, hc_token)
                if inc.get("status") == "resolved":
                    del resolved[incident_id]
                    print("[%5.1fs] Hai Chau sees version %d: %s by %s" % (
                        t, inc["version"], inc["status"], inc["history"][-1]["actor"]))
            if step % 10 == 0:
                _, s = call(city + "/api/v1/summary?window=15m&metrics=river_level,rainfall,pm25", city_token)
                m = s.get("metrics", {})
                fresh = sum(1 for c in s.get("children", []) if c["state"] == "fresh")
                print("[%5.1fs] city summary: river max %.2f m | rainfall p90 %.1f mm/h | pm25 p99 %.1f | "
                      "incidents %d %s | requests open %d | children fresh %d/%d" % (
                          t, m.get("river_level", {}).get("max", 0), m.get("rainfall", {}).get("p90", 0),
                          m.get("pm25", {}).get("p99", 0), s["incidents"]["total"], s["incidents"]["byStatus"],
                          s["serviceRequests"]["open"], fresh, len(s.get("children", []))))
            step += 1
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    sensors.close()
    _, sources = call(url_of(MQTT_DISTRICT) + "/api/v1/sources", tokens[MQTT_DISTRICT])
    for c in sources.get("items", []):
        print("Son Tra over MQTT (%s): %s, %d messages, %d readings, %d bad" % (
            c["name"], c["state"], c["messages"], c["rows"], c["bad"]))
    # The health department follows Hai Chau's air quality under a rule scoped to PM2.5.
    health = "danang/health"
    held = {}
    for metric in ("pm25", "rainfall", "traffic_flow"):
        _, page = call(url_of(health) + "/api/v1/observations?metric=%s&area=danang/hai-chau&limit=1000" % metric,
                       tokens[health])
        held[metric] = page.get("items", [])
    if held["pm25"]:
        print("the health department holds %d of Hai Chau's PM2.5 readings (latest %.1f ug/m3, source %s) and "
              "%d of its other readings" % (len(held["pm25"]), held["pm25"][-1]["value"], held["pm25"][-1]["source"],
                                            len(held["rainfall"]) + len(held["traffic_flow"])))
    if typhoon:
        status, _ = call(city + "/api/v1/alerts", city_token, "POST",
                         json.dumps({"msgType": "Cancel", "references": typhoon}).encode())
        print("the city cancelled the typhoon warning (%s); the cancel follows it down" % status)
    time.sleep(1)
    print("\nthe city's federated summary (last 15 minutes):")
    _, s = call(city + "/api/v1/summary?window=15m", city_token)
    print(json.dumps({k: s[k] for k in ("window", "metrics", "incidents", "serviceRequests")}, indent=1)[:2000])
    print("children:")
    for c in s["children"]:
        print("  %-22s %-11s lastSync %s lag %ss complete %s" % (c["node"], c["state"], c["lastSync"],
                                                                 c["lagSeconds"], c["complete"]))


if __name__ == "__main__":
    main()
