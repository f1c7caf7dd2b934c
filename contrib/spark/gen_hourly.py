"""Writes a synthetic diagnostic-settings archive for the Spark recipe's test: one PT1H.json
per hour and category, in the folder layout Azure Monitor uses in a storage account
(insights-logs-<category>/resourceId=/tenants/<tenant>/providers/Microsoft.aadiam/
y=YYYY/m=MM/d=DD/h=HH/m=00/PT1H.json), JSON lines of diagnostic envelopes.

It plants what a merge must get right: MFA prompts whose flow succeeds in the next hour's
file (not abandoned) or never (abandoned), sign-ins repeated in the next hour's file
(overlapping exports: duplicates), and Conditional Access blocks from addresses outside the
trusted locations. Deterministic for a seed. Everything is synthetic: documentation IP
ranges, example.com users, made-up GUIDs.

    python3 gen_hourly.py OUT_DIR [--hours 48] [--per-hour 60] [--seed 7]
"""

import argparse
import json
import os
import random

TENANT = "00000000-0000-4000-8000-00000000aaaa"
APPS = [
    ("499b84ac-1321-427f-aa17-267ca6975798", "Azure DevOps"),
    ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
    ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"),
    ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"),
]
TRUSTED = ["198.51.100.10", "198.51.100.11", "198.51.100.20", "2001:db8:100::5"]
OUTSIDE = ["203.0.113.6", "203.0.113.7", "192.0.2.44", "192.0.2.45", "2001:db8:beef:1::9"]
BLOCK = {"id": "0ca00000-0000-4000-a000-000000000002",
         "displayName": "Block Azure DevOps outside trusted locations", "grant": ["Block"],
         "sat": "application,users,location"}
MFA = {"id": "0ca00000-0000-4000-a000-000000000001", "displayName": "Require MFA for all users",
       "grant": ["Mfa"], "sat": "application,users"}


def guid(kind, n):
    return f"{kind:08x}-0000-4000-8000-{n:012d}"


def policy(p, result):
    return {"id": p["id"], "displayName": p["displayName"], "enforcedGrantControls": p["grant"],
            "enforcedSessionControls": [], "result": result, "conditionsSatisfied": 3,
            "conditionsNotSatisfied": 0}


def signin(n, when, user, app, ip, code, interactive, policies, corr):
    upn = f"user{user:03d}@example.com"
    ca = "failure" if code == 53003 else ("success" if code == 0 else "notApplied")
    props = {
        "id": guid(1, n), "createdDateTime": when + "+00:00",
        "userDisplayName": f"User {user:03d}", "userPrincipalName": upn,
        "userId": guid(0x0e000000, user), "appId": app[0], "appDisplayName": app[1],
        "ipAddress": ip, "clientAppUsed": "Browser" if interactive else "Mobile Apps and Desktop clients",
        "correlationId": corr, "conditionalAccessStatus": ca, "isInteractive": interactive,
        "resourceDisplayName": app[1], "resourceId": app[0],
        "signInEventTypes": ["interactiveUser" if interactive else "nonInteractiveUser"],
        "userType": "Member",
        "status": {"errorCode": code, "failureReason": "Other." if code == 0 else "Synthetic failure."},
        "deviceDetail": {"deviceId": "", "displayName": f"PC-{user:03d}", "operatingSystem": "Windows10",
                         "browser": "Edge 130.0", "isCompliant": False, "isManaged": False},
        "location": {"city": "Amsterdam", "state": "Noord-Holland", "countryOrRegion": "NL"},
        "appliedConditionalAccessPolicies": policies,
    }
    cat = "SignInLogs" if interactive else "NonInteractiveUserSignInLogs"
    return cat, {
        "time": when + "Z", "resourceId": f"/tenants/{TENANT}/providers/Microsoft.aadiam",
        "operationName": "Sign-in activity", "operationVersion": "1.0", "category": cat,
        "tenantId": TENANT, "resultType": str(code), "resultSignature": "None", "durationMs": 0,
        "callerIpAddress": ip, "correlationId": corr, "identity": props["userDisplayName"],
        "Level": 4, "location": "NL", "properties": props,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--hours", type=int, default=48)
    ap.add_argument("--per-hour", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    files = {}  # (category, hour) -> [envelope]
    carry = []  # (hour, category, envelope): written again in the next hour's file
    n = 0
    for h in range(a.hours):
        day, hour = 1 + h // 24, h % 24
        for k in range(a.per_hour):
            n += 1
            when = f"2026-10-{day:02d}T{hour:02d}:{(k * 59) // a.per_hour:02d}:{k % 60:02d}"
            user = rng.randrange(40)
            app = rng.choice(APPS)
            roll = rng.random()
            corr = guid(2, n)
            if roll < 0.15:
                # A PAT or pipeline outside the trusted locations: blocked.
                ip = rng.choice(OUTSIDE)
                cat, env = signin(n, when, user, APPS[0], ip, 53003, False,
                                  [policy(BLOCK, "failure"), policy(MFA, "notApplied")], corr)
            elif roll < 0.25:
                # An MFA prompt at the end of the hour; half the flows succeed next hour.
                when = f"2026-10-{day:02d}T{hour:02d}:59:{k % 60:02d}"
                cat, env = signin(n, when, user, app, rng.choice(TRUSTED), 50074, True,
                                  [policy(MFA, "notApplied")], corr)
                if rng.random() < 0.5 and h + 1 < a.hours:
                    n2 = n + 1_000_000
                    nd, nh = 1 + (h + 1) // 24, (h + 1) % 24
                    c2, e2 = signin(n2, f"2026-10-{nd:02d}T{nh:02d}:00:{k % 60:02d}", user, app,
                                    rng.choice(TRUSTED), 0, True, [policy(MFA, "success")], corr)
                    files.setdefault((c2, h + 1), []).append(e2)
            else:
                interactive = rng.random() < 0.5
                cat, env = signin(n, when, user, app, rng.choice(TRUSTED + OUTSIDE[:1]), 0,
                                  interactive, [policy(MFA, "success" if interactive else "notApplied")], corr)
            files.setdefault((cat, h), []).append(env)
            if rng.random() < 0.03 and h + 1 < a.hours:
                carry.append((h + 1, cat, env))
    for h, cat, env in carry:
        files.setdefault((cat, h), []).insert(0, env)
    written = 0
    for (cat, h), envs in sorted(files.items()):
        day, hour = 1 + h // 24, h % 24
        d = os.path.join(a.out, f"insights-logs-{cat.lower()}", "resourceId=", "tenants", TENANT,
                         "providers", "Microsoft.aadiam", "y=2026", "m=10", f"d={day:02d}",
                         f"h={hour:02d}", "m=00")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "PT1H.json"), "w") as f:
            for e in envs:
                f.write(json.dumps(e) + "\n")
        written += 1
    print(f"{written} files, {n} sign-ins, {len(carry)} repeated in the next hour")


if __name__ == "__main__":
    main()
