#!/usr/bin/env python3
"""Hostile inputs for the memory-bound measurements of BENCHMARKS.md ("Memory bounds").

gen.py DIR writes, all synthetic (example.com names, 198.18.0.0/15 and documentation IPs):
  users.jsonl      1,000,000 blocked sign-ins of 1,000,000 distinct accounts and addresses
  policies.json    100 records of 1,000 distinct policies each (100,000 policies) and one
                   record listing 100,000 policies
  ips.json         100 blocked sign-ins from 100 addresses ...
  locations.json   ... each inside 100,000 overlapping named locations
"""
import json
import os
import sys


def record(n, user, ip, policies):
    return {
        "id": "00000000-0000-4000-8000-%012x" % n,
        "createdDateTime": "2026-10-01T%02d:%02d:00Z" % ((n // 60) % 24, n % 60),
        "userPrincipalName": user,
        "userId": "0e000000-0000-4000-b000-%012x" % n,
        "appId": "499b84ac-1321-427f-aa17-267ca6975798",
        "appDisplayName": "Azure DevOps",
        "ipAddress": ip,
        "clientAppUsed": "Browser",
        "correlationId": "00000000-0000-4000-9000-%012x" % n,
        "conditionalAccessStatus": "failure",
        "isInteractive": False,
        "status": {"errorCode": 53003},
        "appliedConditionalAccessPolicies": policies,
        "networkLocationDetails": [{"networkType": "trustedNamedLocation", "networkNames": ["Branch office"]}],
    }


def policy(i):
    return {
        "id": "0ca00000-0000-4000-a000-%012x" % i,
        "displayName": "Policy %d" % i,
        "enforcedGrantControls": ["Block"],
        "result": "failure",
        "conditionsSatisfied": "application,users,location",
    }


def ip(i):
    return "198.%d.%d.%d" % (18 + (i >> 16), (i >> 8) & 255, i & 255)


def main(out):
    os.makedirs(out, exist_ok=True)
    one = [policy(1)]
    with open(os.path.join(out, "users.jsonl"), "w") as f:
        for i in range(1_000_000):
            f.write(json.dumps(record(i, "u%07d@example.com" % i, ip(i % 131072) if i < 131072 else "2001:db8::%x" % i, one)))
            f.write("\n")
    recs = [record(r, "svc@example.com", "203.0.113.7", [policy(r * 1000 + i) for i in range(1000)]) for r in range(100)]
    recs.append(record(999, "svc@example.com", "203.0.113.7", [policy(i) for i in range(100_000)]))
    json.dump(recs, open(os.path.join(out, "policies.json"), "w"))
    json.dump([record(i, "svc@example.com", ip(i), one) for i in range(100)], open(os.path.join(out, "ips.json"), "w"))
    locs = [{
        "@odata.type": "#microsoft.graph.ipNamedLocation",
        "id": "1a000000-0000-4000-a000-%012x" % i,
        "displayName": "Loc %06d" % i,
        "isTrusted": True,
        "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "198.18.0.0/15"}],
    } for i in range(100_000)]
    json.dump({"value": locs}, open(os.path.join(out, "locations.json"), "w"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bounds-data")
