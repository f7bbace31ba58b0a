#!/usr/bin/env python3
"""Turns the benchmark rows ($BENCH_OUT/<section>.jsonl, written by
scripts/bench-*.sh) into results.json, a Markdown table (results.md), the
throughput-against-connections plot (gnuplot PNG) and, with --docs FILE,
the generated block of docs/performance.md (between the bench:begin and
bench:end markers).

Every cell is the median over the rounds of that run; ratios are against
the floor of the same run (in the L4 table the median of the per-round
ratios: see paired_ratio()) (plain routing for the L4 bench, the empty
program for the XDP bench).
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys

L4_ORDER = ["route-default", "route", "route-one", "nft", "haproxy", "xdp-nat", "xdp-fullnat",
            "tc-nat", "tc-fullnat", "tc-default"]
L4_NAMES = {
    "route-default": "kernel routing, veth defaults",
    "route": "kernel routing (the limit)",
    "route-one": "kernel routing, all to backend 1",
    "nft": "nftables DNAT (kube-proxy style)",
    "haproxy": "HAProxy mode tcp",
    "xdp-nat": "sluice XDP, nat",
    "xdp-fullnat": "sluice XDP, fullnat",
    "tc-nat": "sluice TC hook, nat",
    "tc-fullnat": "sluice TC hook, fullnat",
    "tc-default": "sluice TC hook, fullnat, veth defaults",
}
HIGHER_IS_BETTER = {"conn_per_s", "tcp_gbps", "udp_pps"}
# Issue 7's goals for the XDP paths on this machine, ns per packet.
XDP_GOALS = [("non-VIP", 40), ("established", 110), ("new flow", 160)]


def load_rows(out):
    rows = []
    for path in sorted(glob.glob(os.path.join(out, "*.jsonl"))):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    rows.append(json.loads(line))
    rows += load_l7_tsv(os.path.join(out, "l7.tsv"))
    rows += load_tsv(os.path.join(out, "l4.tsv"), "l4proxy", "peer",
                     {"conns_per_s": "conn/s", "throughput_mib_s": "MiB/s"},
                     "scripts/bench-l4.sh (wrk)")
    return rows


def load_tsv(path, section, key, measures, method):
    """A section that writes its own TSV (a header line, then one row per
    contender): its values join results.json as rows of @section."""
    if not os.path.exists(path):
        return []
    rows = []
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            v = dict(zip(head, line.rstrip("\n").split("\t")))
            for m, unit in measures.items():
                try:
                    val = float(v[m])
                except (KeyError, ValueError):
                    val = None
                rows.append({"section": section, "contender": v.get(key), "measure": m,
                             "param": "", "round": 1, "value": val, "unit": unit,
                             "method": method})
    return rows


def load_l7_tsv(path):
    """scripts/bench-l7.sh (the L7 proxy's own section) writes a TSV:
    scenario, proxy, round, req_s, p50_ms, p99_ms, peak_rss_kib. Its table
    (l7_table(), printed by --l7-table) goes into docs/performance.md by
    that script; here its rows join results.json."""
    if not os.path.exists(path):
        return []
    rows = []
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            v = dict(zip(head, line.rstrip("\n").split("\t")))
            for m, unit in (("req_s", "req/s"), ("p50_ms", "ms"), ("p99_ms", "ms"),
                            ("peak_rss_kib", "KiB")):
                try:
                    val = float(v[m])
                except (KeyError, ValueError):
                    val = None
                rows.append({"section": "l7", "contender": v.get("proxy"), "measure": m,
                             "param": v.get("scenario"), "round": int(v.get("round") or 1),
                             "value": val,
                             "unit": unit, "method": "scripts/bench-l7.sh (wrk)"})
    return rows


def summarize(rows):
    groups = {}
    for r in rows:
        k = (r["section"], r["contender"], r["measure"], r["param"])
        g = groups.setdefault(k, {"values": [], "unit": r["unit"], "method": r["method"]})
        if r["value"] is not None:
            g["values"].append(r["value"])
    out = []
    for (sec, con, mea, par), g in groups.items():
        v = g["values"]
        out.append({
            "section": sec, "contender": con, "measure": mea, "param": par,
            "median": statistics.median(v) if v else None,
            "min": min(v) if v else None, "max": max(v) if v else None,
            "n": len(v), "unit": g["unit"], "method": g["method"],
        })
    return out


def fmt(v, unit):
    if v is None:
        return "n/a"
    if unit in ("Gbit/s",):
        return "%.2f" % v
    if abs(v) >= 100:
        return "%.0f" % v
    return "%.1f" % v


def paired_ratio(rounds, con, base, m, p):
    """Median over the rounds both ran of con's value over base's in the
    same round: whole rounds drift together on a shared machine, and a
    ratio within a round cancels that drift where a ratio of medians
    does not."""
    a, b = rounds.get((con, m, p), {}), rounds.get((base, m, p), {})
    rs = [a[r] / b[r] for r in a if a[r] is not None and b.get(r)]
    return statistics.median(rs) if rs else None


L7_NAMES = {
    "haproxy": "HAProxy",
    "haproxy-nofwd": "HAProxy, no X-Forwarded-*",
    "sluice": "sluice",
    "nginx": "nginx",
}


def l7_table(rows, base="haproxy"):
    """The L7 table: per scenario and proxy the median of the rounds, and
    in the ratio columns the median of the per-round ratios to base (the
    HAProxy that sends the backend what sluice sends)."""
    summ = summarize(rows)
    rounds = {}
    for r in rows:
        rounds.setdefault((r["contender"], r["measure"], r["param"]), {})[r["round"]] = r["value"]
    med = {(s["contender"], s["measure"], s["param"]): s["median"] for s in summ}
    order = []
    for r in rows:
        k = (r["param"], r["contender"])
        if k not in order:
            order.append(k)

    def ratio(con, m, scen):
        v = paired_ratio(rounds, con, base, m, scen)
        return "%.2f" % v if v is not None else "n/a"

    def val(con, m, scen, f):
        v = med.get((con, m, scen))
        return f % v if v is not None else "n/a"

    lines = ["| scenario | proxy | req/s | x HAProxy | p50 ms | p99 ms | p99 x HAProxy "
             "| peak RSS KiB | x HAProxy |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for scen, con in order:
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            scen, L7_NAMES.get(con, con), val(con, "req_s", scen, "%.0f"),
            ratio(con, "req_s", scen), val(con, "p50_ms", scen, "%.3f"),
            val(con, "p99_ms", scen, "%.3f"), ratio(con, "p99_ms", scen),
            val(con, "peak_rss_kib", scen, "%.0f"), ratio(con, "peak_rss_kib", scen)))
    return lines


def l4_table(summ, rows):
    cells = {(s["contender"], s["measure"], s["param"]): s for s in summ if s["section"] == "l4veth"}
    rounds = {}
    for r in rows:
        if r["section"] == "l4veth":
            rounds.setdefault((r["contender"], r["measure"], r["param"]), {})[r["round"]] = r["value"]
    if not cells:
        return [], []
    cols = []
    for s in summ:
        if s["section"] == "l4veth":
            c = (s["measure"], s["param"], s["unit"])
            if c not in cols:
                cols.append(c)
    order = {"conn_per_s": 0, "tcp_gbps": 1, "udp_pps": 2, "cpu_ns_pkt": 3}

    def ckey(c):
        p = c[1]
        num = int("".join(ch for ch in p if ch.isdigit()) or 0)
        return (order.get(c[0], 9), p.rstrip("0123456789"), num)

    cols.sort(key=ckey)
    contenders = [c for c in L4_ORDER if any(k[0] == c for k in cells)]
    head = ["contender"] + ["%s %s (%s%s)" % (m, p, u, "" if m in HIGHER_IS_BETTER else ", lower is better")
                            for m, p, u in cols]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for con in contenders:
        row = [L4_NAMES.get(con, con)]
        for m, p, u in cols:
            s = cells.get((con, m, p))
            if not s or s["median"] is None:
                row.append("n/a")
                continue
            txt = fmt(s["median"], u)
            ratio = paired_ratio(rounds, con, "route", m, p) if con != "route" else None
            if ratio is not None:
                txt += " (%.2fx)" % ratio
            row.append(txt)
        lines.append("| " + " | ".join(row) + " |")
    return lines, contenders


def xdp_table(summ):
    rows = [s for s in summ if s["section"] == "xdp"]
    if not rows:
        return []
    # a path's methods side by side (single, repeat, restore), in first-seen order
    first = {}
    for s in rows:
        first.setdefault(s["contender"], len(first))
    rows.sort(key=lambda s: first[s["contender"]])
    lines = ["| program / path | method | ns per packet (median of rounds) | min..max | goal | how |",
             "|---|---|---|---|---|---|"]
    for s in rows:
        goal = ""
        for key, limit in XDP_GOALS:
            # the goals are the XDP program's; the TC rows are for reading
            if key in s["contender"] and s["median"] is not None and \
                    not s["contender"].startswith("sluice at TC"):
                goal = "<= %d: %s" % (limit, "met" if s["median"] <= limit else "not met")
        lines.append("| %s | %s | %s | %s..%s | %s | %s |" % (
            s["contender"], s["param"], fmt(s["median"], "ns"),
            fmt(s["min"], "ns"), fmt(s["max"], "ns"), goal, s["method"]))
    return lines


def cost_table(summ):
    rows = [s for s in summ if s["section"] == "xdp_cost"]
    if not rows:
        return []
    lines = ["| operation | method | ns (median of rounds) | min..max | how |",
             "|---|---|---|---|---|"]
    for s in rows:
        lines.append("| %s | %s | %s | %s..%s | %s |" % (
            s["contender"], s["param"], fmt(s["median"], "ns"),
            fmt(s["min"], "ns"), fmt(s["max"], "ns"), s["method"]))
    return lines


def scale_table(summ):
    rows = [s for s in summ if s["section"] == "scale"]
    if not rows:
        return []
    lines = ["| what | measure | size | value | how |", "|---|---|---|---|---|"]
    for s in rows:
        lines.append("| %s | %s | %s | %s %s | %s |" % (
            s["contender"], s["measure"], s["param"], fmt(s["median"], s["unit"]),
            s["unit"], s["method"]))
    return lines


def other_tables(summ, known):
    lines = []
    secs = sorted({s["section"] for s in summ} - known)
    for sec in secs:
        lines += ["", "### %s" % sec, "",
                  "| contender | measure | param | value | how |", "|---|---|---|---|---|"]
        for s in summ:
            if s["section"] == sec:
                lines.append("| %s | %s | %s | %s %s | %s |" % (
                    s["contender"], s["measure"], s["param"],
                    fmt(s["median"], s["unit"]), s["unit"], s["method"]))
    return lines


def plot(summ, contenders, out, png):
    pts = {}
    for s in summ:
        if s["section"] == "l4veth" and s["measure"] == "conn_per_s" and s["median"]:
            c = int(s["param"].split("=")[1])
            pts.setdefault(s["contender"], []).append((c, s["median"]))
    if not pts:
        return False
    dat = os.path.join(out, "perf-l4.dat")
    with open(dat, "w") as f:
        for con in contenders:
            if con not in pts:
                continue
            f.write('"%s"\n' % L4_NAMES.get(con, con))
            for c, v in sorted(pts[con]):
                f.write("%d %f\n" % (c, v))
            f.write("\n\n")
    n = sum(1 for con in contenders if con in pts)
    gp = """set terminal pngcairo size 900,600 noenhanced
set output '%s'
set title 'New TCP connections/s through the balancer (veth, 3 backends)'
set xlabel 'concurrent connections (wrk, Connection: close)'
set ylabel 'connections/s (median of rounds)'
set logscale x 2
set yrange [0:*]
set key below maxrows 3
set grid
plot for [i=0:%d] '%s' index i using 1:2 with linespoints title columnheader(1)
""" % (png, n - 1, dat)
    try:
        subprocess.run(["gnuplot"], input=gp.encode(), check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("report: gnuplot failed: %s" % e, file=sys.stderr)
        return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.environ.get("BENCH_OUT", "build/bench"))
    ap.add_argument("--machine")
    ap.add_argument("--l7-table", metavar="TSV",
                    help="print the L7 table of scripts/bench-l7.sh's TSV and stop")
    ap.add_argument("--command", default="make bench")
    ap.add_argument("--png", help="write the plot here")
    ap.add_argument("--docs", help="replace the generated block of this file")
    a = ap.parse_args()
    if a.l7_table:
        print("\n".join(l7_table(load_l7_tsv(a.l7_table))))
        return 0
    if not a.machine:
        ap.error("--machine is required")

    rows = load_rows(a.out)
    summ = summarize(rows)
    machine = json.loads(a.machine)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"machine": machine, "command": a.command,
                   "summary": summ, "rows": rows}, f, indent=1)

    l4, contenders = l4_table(summ, rows)
    md = ["Machine: %d CPUs, %s, kernel %s, %d MiB; run %s (`%s`, %s)." % (
        machine["nproc"], machine["cpu"], machine["kernel"], machine["mem_kb"] // 1024,
        machine["date"], a.command, os.environ.get("BENCH_NOTE", "rounds alternate the contenders"))]
    if l4:
        md += ["", "### L4 on veth (median of the rounds; in brackets the median of the per-round "
               "ratios to kernel routing on the same prepared veths)", ""] + l4
    x = xdp_table(summ)
    if x:
        md += ["", "### XDP program under BPF_PROG_TEST_RUN", ""] + x
    c = cost_table(summ)
    if c:
        md += ["", "### XDP cost breakdown (one operation per program)", ""] + c
    sc = scale_table(summ)
    if sc:
        md += ["", "### Scale", ""] + sc
    md += other_tables(summ, {"l4veth", "xdp", "xdp_cost", "scale", "l7", "l4proxy"})
    text = "\n".join(md) + "\n"
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write(text)
    print(text)
    if a.png and contenders:
        plot(summ, contenders, a.out, a.png)
    if a.docs and os.path.exists(a.docs):
        doc = open(a.docs).read()
        b, e = "<!-- bench:begin -->", "<!-- bench:end -->"
        if b in doc and e in doc:
            doc = doc[:doc.index(b) + len(b)] + "\n" + text + doc[doc.index(e):]
            with open(a.docs, "w") as f:
                f.write(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
