#!/usr/bin/env python3
"""Compares sparescan's scan verdicts with biip, an independent GS1 parser.

Generates GS1 inputs deterministically (fixed seed): valid messages built
from templates that satisfy the GS1 association rules, written as raw element
strings (with AIM symbology identifiers, a leading FNC1/GS, or bare),
bracketed human-readable text and GS1 Digital Link URIs, plus corrupted
variants (changed digit, impossible date, truncation, bad character, unknown
AI, dropped separator, removed or added AI). Each input goes through the
`sparescan-decode` binary (stdin -> JSON lines) and through biip; the verdicts
(accepted/refused and, when both accept, every AI and value) are compared.

A disagreement is categorised by rule. Categories explained in
KNOWN_DIFFERENCES.md (lines "- `category`") are reported and tolerated; any
other disagreement fails the run, and so does agreement on fewer than
--min-agreed inputs.
"""

import argparse
import calendar
import collections
import datetime as dt
import json
import pathlib
import random
import re
import subprocess
import sys
from urllib.parse import quote

import biip
from biip import ParseConfig, ParseError
from biip.gs1_messages import GS1Message

GS = "\x1d"
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
# AIs written without a separator after them (pre-defined length); taken
# from biip's own table so that the oracle does not reuse our dictionary.
from biip.gs1_application_identifiers import _GS1_APPLICATION_IDENTIFIERS as BIIP_AIS


def check_digit(payload: str) -> str:
    s = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(payload)))
    return str((10 - s % 10) % 10)


class Gen:
    def __init__(self, seed: int, year: int):
        self.r = random.Random(seed)
        self.year = year

    def digits(self, n):
        return "".join(self.r.choice("0123456789") for _ in range(n))

    def key(self, n):
        p = self.digits(n - 1)
        return p + check_digit(p)

    def text(self, lo, hi, alphabet=CSET82):
        return "".join(self.r.choice(alphabet) for _ in range(self.r.randint(lo, hi)))

    def date(self, day_zero=True):
        y = self.r.randint(0, 99)
        m = self.r.randint(1, 12)
        last = calendar.monthrange(full_year(y, self.year), m)[1]
        d = self.r.choice([0, last]) if day_zero and self.r.random() < 0.2 else self.r.randint(1, last)
        return f"{y:02}{m:02}{d:02}"

    def measure(self, prefix):
        return (f"{prefix}{self.r.randint(0, 5)}", self.digits(6))

    def trade_item(self):
        """(01) with optional attributes: all associations satisfied."""
        els = [("01", self.key(14))]
        r = self.r
        opt = [
            lambda: ("10", self.text(1, 20)),
            lambda: ("21", self.text(1, 20)),
            lambda: ("17", self.date()),
            lambda: ("15", self.date()),
            lambda: ("11", self.date()),
            lambda: ("13", self.date()),
            lambda: ("22", self.text(1, 20)),
            lambda: ("240", self.text(1, 30)),
            lambda: ("241", self.text(1, 30)),
            lambda: ("30", self.digits(r.randint(1, 8))),
            lambda: self.measure("310"),
            lambda: self.measure("320"),
            lambda: self.measure("330"),
            lambda: ("422", r.choice(["276", "250", "840", "392", "756", "528"])),
            lambda: ("7003", self.date(False) + f"{r.randint(0, 23):02}{r.randint(0, 59):02}"),
            lambda: ("8008", self.date(False) + f"{r.randint(0, 23):02}" + r.choice(["", f"{r.randint(0, 59):02}"])),
            lambda: ("400", self.text(1, 30)),
            lambda: ("420", self.text(1, 20)),
            lambda: (f"9{r.randint(1, 9)}", self.text(1, 40)),
        ]
        seen = {"01"}
        for f in r.sample(opt, r.randint(0, 5)):
            ai, v = f()
            if ai[:3] in {a[:3] for a in seen if len(a) == 4} and len(ai) == 4:
                continue
            if ai not in seen:
                seen.add(ai)
                els.append((ai, v))
        return els

    def logistic(self):
        """(00) SSCC pallet label, optionally with content (02)+(37)."""
        els = [("00", self.key(18))]
        if self.r.random() < 0.7:
            els += [("02", self.key(14)), ("37", self.digits(self.r.randint(1, 8)))]
        for ai, f in [("400", lambda: self.text(1, 30)), ("403", lambda: self.text(1, 30)),
                      ("3302", lambda: self.digits(6)), ("420", lambda: self.text(1, 20))]:
            if self.r.random() < 0.3:
                els.append((ai, f()))
        return els

    def location(self):
        els = [("414", self.key(13))]
        if self.r.random() < 0.5:
            els.append(("254", self.text(1, 20)))
        return els

    def message(self):
        k = self.r.random()
        if k < 0.7:
            return self.trade_item()
        if k < 0.9:
            return self.logistic()
        return self.location()


def full_year(yy, year):
    century = year - year % 100
    d = yy - year % 100
    if 51 <= d <= 99:
        return century - 100 + yy
    if -99 <= d <= -50:
        return century + 100 + yy
    return century + yy


def encode(els, rnd):
    """Element string: random order, GS after every variable-length field
    that is not last (biip's separator_required)."""
    els = list(els)
    rnd.shuffle(els)
    out = []
    for i, (ai, v) in enumerate(els):
        out.append(ai + v)
        if BIIP_AIS[ai].separator_required and i + 1 < len(els):
            out.append(GS)
    return "".join(out)


def digital_link(els, rnd):
    keys = {"01": ["22", "10", "21"], "00": [], "414": ["254"]}
    primary = next(e for e in els if e[0] in keys)
    quals = [e for q in keys[primary[0]] for e in els if e[0] == q]
    rest = [e for e in els if e is not primary and e not in quals]
    domain = rnd.choice(["https://id.gs1.org", "https://example.com/qr", "http://parts.example.org/a/b"])
    path = "".join(f"/{ai}/{quote(v, safe='')}" for ai, v in [primary] + quals)
    query = "&".join(f"{ai}={quote(v, safe='')}" for ai, v in rest)
    extra = rnd.choice(["", "linkType=gs1:pip"])
    query = "&".join(q for q in [query, extra] if q)
    return domain + path + (f"?{query}" if query else "")


def corrupt(els, s, g):
    """One corruption of element string `s` (built from `els`)."""
    r = g.r
    kind = r.choice(["digit", "date", "truncate", "char", "unknown_ai", "drop_gs", "remove_key", "add_excluded", "short_fixed"])
    if kind == "digit":
        i = r.randrange(len(s))
        if s[i].isdigit():
            return kind, s[:i] + str((int(s[i]) + r.randint(1, 9)) % 10) + s[i + 1:]
        return kind, s
    if kind == "date":
        dates = [e for e in els if e[0] in ("11", "13", "15", "17", "7003", "8008")]
        if not dates:
            return kind, s
        ai, v = r.choice(dates)
        bad = v[:2] + r.choice(["13", "00", "0230", "0431", "1232"]) + "01"
        bad = (bad + v[len(bad):])[:len(v)]
        return kind, s.replace(ai + v, ai + bad, 1)
    if kind == "truncate":
        return kind, s[: r.randrange(1, len(s))]
    if kind == "char":
        i = r.randrange(len(s))
        return kind, s[:i] + r.choice([" ", "#", "é", "\\", "$", "@"]) + s[i:]
    if kind == "unknown_ai":
        return kind, s + GS + r.choice(["23", "05", "4399", "7777", "8888"]) + g.digits(6)
    if kind == "drop_gs":
        return kind, s.replace(GS, "", 1)
    if kind == "remove_key":
        return kind, s.replace(els[0][0] + els[0][1], "", 1)
    if kind == "add_excluded":
        if els[0][0] == "01":
            return kind, s + GS + "3102" + g.digits(6) + "3103" + g.digits(6)
        return kind, s + GS + "01" + g.key(14)
    v = els[0][1]
    return kind, s.replace(els[0][0] + v, els[0][0] + v[:-1], 1)


def generate(n, seed, year):
    g = Gen(seed, year)
    out = []
    while len(out) < n:
        els = g.message()
        form = g.r.random()
        s = encode(els, g.r)
        if form < 0.35:
            prefix = g.r.choice(["]d2", "]C1", "]Q3"])
            if g.r.random() < 0.5:
                out.append(("valid/aim", prefix + s))
            else:
                kind, bad = corrupt(els, s, g)
                out.append((f"corrupt/{kind}", prefix + bad))
        elif form < 0.5:
            if g.r.random() < 0.6:
                out.append(("valid/leading_gs", GS + s))
            else:
                kind, bad = corrupt(els, s, g)
                out.append((f"corrupt/{kind}", GS + bad))
        elif form < 0.65 and els[0][0] in ("00", "01"):
            # Bare scans open with their key so that both read them as GS1.
            s = els[0][0] + els[0][1] + encode(els[1:], g.r) if len(els) > 1 else els[0][0] + els[0][1]
            if BIIP_AIS[els[0][0]].separator_required:
                continue
            out.append(("valid/bare", s))
        elif form < 0.8:
            hri = "".join(f"({ai}){v}" for ai, v in els)
            if "(" in "".join(v for _, v in els):
                continue
            if g.r.random() < 0.7:
                out.append(("valid/bracketed", hri))
            else:
                i = g.r.randrange(len(hri))
                out.append(("corrupt/bracketed", hri[:i] + g.r.choice(["9", "#", ""]) + hri[i + 1:]))
        else:
            if "01" not in dict(els) and "00" not in dict(els) and "414" not in dict(els):
                continue
            uri = digital_link(els, g.r)
            if g.r.random() < 0.7:
                out.append(("valid/digital_link", uri))
            else:
                i = g.r.randrange(len(uri) // 2, len(uri))
                out.append(("corrupt/digital_link", uri[:i] + g.r.choice(["9", "#", "", "%"]) + uri[i + 1:]))
    return out


def biip_verdict(s, year):
    """(accepted, [(ai, value)] or reason)."""
    try:
        if s.startswith("("):
            msg = GS1Message.parse_hri(s)
        else:
            res = biip.parse(s, config=ParseConfig(separator_chars=[GS]))
            msg = res.gs1_message or res.gs1_digital_link_uri
            if msg is None:
                return False, res.gs1_message_error or res.gs1_digital_link_uri_error or "not GS1"
    except ParseError as e:
        return False, str(e)
    for es in msg.element_strings:
        for err in (es.gtin_error, es.sscc_error, es.gln_error):
            if err:
                return False, err
    return True, sorted((es.ai.ai, es.value) for es in msg.element_strings)


def syntax(s):
    if s.startswith("("):
        return "bracketed"
    if "://" in s:
        return "digital_link"
    return "element_string"


def category(s, ours, theirs):
    """Disagreement category: what happened, by rule, and in which syntax."""
    where = syntax(s)
    if ours["ok"] and ours["scan"]["kind"] != "gs1":
        side = "biip_accepts" if theirs[0] else "biip_refuses"
        return f"we_read_{ours['scan']['kind']}/{side}@{where}"
    if not ours["ok"] and theirs[0]:
        return f"we_refuse:{ours['error']['code']}@{where}"
    if ours["ok"] and not theirs[0]:
        reason = theirs[1]
        if "date" in reason:
            return f"biip_refuses:date@{where}"
        if "Failed to match" in reason:
            return f"biip_refuses:pattern@{where}"
        return f"biip_refuses:other@{where}"
    return f"values_differ@{where}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--decoder", required=True)
    ap.add_argument("--count", type=int, default=12000)
    ap.add_argument("--min-agreed", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--show", type=int, default=3, help="examples shown per category")
    args = ap.parse_args()

    year = dt.datetime.now(dt.UTC).year
    inputs = generate(args.count, args.seed, year)
    payload = "".join(s + "\n" for _, s in inputs).encode()
    run = subprocess.run(
        [args.decoder, "--reference-year", str(year)],
        input=payload, capture_output=True, check=True,
    )
    lines = run.stdout.decode().splitlines()
    if len(lines) != len(inputs):
        sys.exit(f"decoder returned {len(lines)} verdicts for {len(inputs)} inputs")

    known_file = pathlib.Path(__file__).with_name("KNOWN_DIFFERENCES.md")
    known = set(re.findall(r"^- `([^`]+)`", known_file.read_text(), re.M))

    agreed = 0
    agreed_by = collections.Counter()
    by_form = collections.Counter()
    diffs = collections.defaultdict(list)
    for (form, s), line in zip(inputs, lines):
        ours = json.loads(line)
        theirs = biip_verdict(s, year)
        by_form[form] += 1
        if ours["ok"] and ours["scan"]["kind"] == "gs1":
            mine = sorted((e["ai"], e["raw"]) for e in ours["scan"]["data"]["elements"])
            same = theirs[0] and mine == theirs[1]
        else:
            same = not ours["ok"] and not theirs[0]
        if same:
            agreed += 1
            agreed_by[form.split("/")[0]] += 1
        else:
            diffs[category(s, ours, theirs)].append((form, s, ours, theirs))

    print(f"biip oracle: {len(inputs)} inputs compared, {agreed} agreed")
    for kind in ("valid", "corrupt"):
        total = sum(n for f, n in by_form.items() if f.startswith(kind))
        print(f"  {kind}: {total} inputs, {agreed_by[kind]} agreed")
    unexplained = 0
    for cat, items in sorted(diffs.items(), key=lambda kv: -len(kv[1])):
        status = "known" if cat in known else "UNEXPLAINED"
        if cat not in known:
            unexplained += len(items)
        print(f"  {len(items):6}  {cat}  [{status}]")
        for form, s, ours, theirs in items[: args.show if cat not in known else 1]:
            why = ours["error"]["message"] if not ours["ok"] else f"accepted as {ours['scan']['kind']}"
            print(f"          {form}: {s!r}\n            ours: {why}\n            biip: {theirs[1] if not theirs[0] else 'accepted'}")
    if unexplained:
        sys.exit(f"biip oracle: {unexplained} unexplained disagreements")
    if agreed < args.min_agreed:
        sys.exit(f"biip oracle: only {agreed} agreed, need {args.min_agreed}")
    print("biip oracle: OK")


if __name__ == "__main__":
    main()
