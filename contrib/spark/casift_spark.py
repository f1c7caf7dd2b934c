"""casift on Apache Spark: one `casift analyze --partial` per input file on the executors,
the parts merged in a tree (`casift merge --partial`, in input order), and the last merge
writing the report. The report is byte for byte what one `casift analyze` over the same
files, in the same order, from the input root, writes (see README.md).

    spark-submit casift_spark.py --casift ./casift --input abfss://insights-logs-signinlogs@ACCOUNT.dfs.core.windows.net/ \
        --output report.json --format json --locations named_locations.json

Input files are read by Spark itself (binaryFiles), so any URL the cluster can read works
(abfss://, wasbs://, dbfs:/, s3a://, file:/). Each file is written under a task's scratch
directory at its path relative to --input, and casift runs there, so the report names
inputs by that relative path on every executor.
"""

import argparse
import fnmatch
import os
import shutil
import stat
import subprocess
import sys
import tempfile

from pyspark import SparkFiles
from pyspark.sql import SparkSession


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--casift", required=True, help="the casift binary (local path or a URL Spark can read)")
    p.add_argument("--input", required=True, help="root of the sign-in files (a directory or URL)")
    p.add_argument("--output", required=True, help="where the driver writes the report")
    p.add_argument("--format", default="json", help="report format: json, markdown, csv, html, text")
    p.add_argument("--part-out", help="also write the merged part here (re-render it with `casift merge`)")
    p.add_argument("--locations", help="named-locations export, shipped to the executors")
    p.add_argument("--policies", help="Conditional Access policy export (one file), shipped to the executors")
    p.add_argument("--fan-in", type=int, default=16, help="parts per merge task (default 16)")
    p.add_argument("--partitions", type=int, default=0, help="analysis tasks (default: one per 4 files)")
    p.add_argument("--glob", default="*.json", help="file name pattern to keep (default *.json)")
    p.add_argument("--assume-disjoint", action="store_true",
                   help="files cannot overlap: parts without duplicate keys (smaller, less memory)")
    p.add_argument("--redact", action="store_true", help="pseudonyms in the report")
    p.add_argument("casift_args", nargs="*", help="after --: filters for casift analyze (e.g. --since 2026-10-01)")
    return p.parse_args(argv)


def relative(root, url):
    """The path of `url` under `root`, as casift will name it."""
    r = root.rstrip("/")
    for prefix in (r + "/", r):
        if url.startswith(prefix):
            return url[len(prefix):].lstrip("/")
    # binaryFiles may spell file: URLs as file:/x while the root was file:///x or /x.
    tail = r.split(":", 1)[-1].lstrip("/")
    i = url.find(tail)
    if i < 0:
        raise ValueError(f"{url} is not under {root}")
    return url[i + len(tail):].lstrip("/")


def casift_path():
    p = SparkFiles.get("casift")
    mode = os.stat(p).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(p, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return p


def run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} (in {cwd}) exited {r.returncode}: {r.stderr.decode(errors='replace')}")
    return r


def shipped_options(work, cfg):
    """--locations/--policies by base name in the task's directory: the part stores their
    content and the report names policy files by the path given, the same on every task."""
    args = []
    for flag, name in (("--locations", cfg["locations"]), ("--policies", cfg["policies"])):
        if name:
            shutil.copy(SparkFiles.get(name), os.path.join(work, name))
            args += [flag, name]
    return args


def analyze_partition(rows, cfg):
    """(index, relative path, bytes) → (index, part bytes), one casift run per file."""
    exe = casift_path()
    for index, rel, data in rows:
        work = tempfile.mkdtemp(prefix="casift-")
        try:
            dest = os.path.join(work, rel)
            os.makedirs(os.path.dirname(dest) or work, exist_ok=True)
            with open(dest, "wb") as f:
                f.write(data)
            cmd = [exe, "analyze", rel, "--partial", "-o", "part", "-q", "-j", "1"]
            cmd += shipped_options(work, cfg) + cfg["analyze_args"]
            run(cmd, work)
            with open(os.path.join(work, "part"), "rb") as f:
                yield index, f.read()
        finally:
            shutil.rmtree(work, ignore_errors=True)


def merge_group(group, cfg, final):
    """(group, [(index, part bytes)]) → (group, merged part), or the report when final."""
    key, members = group
    members = sorted(members)
    exe = casift_path()
    work = tempfile.mkdtemp(prefix="casift-merge-")
    try:
        names = []
        for i, (_, data) in enumerate(members):
            name = f"{i:06d}.part"
            with open(os.path.join(work, name), "wb") as f:
                f.write(data)
            names.append(name)
        cmd = [exe, "merge", *names, "-q"] + cfg["merge_args"]
        if final:
            cmd += ["-f", cfg["format"], "-o", "report"] + (["--redact"] if cfg["redact"] else [])
            run(cmd, work)
            out = {}
            with open(os.path.join(work, "report"), "rb") as f:
                out["report"] = f.read()
            if cfg["part_out"]:
                run([exe, "merge", *names, "-q", "--partial", "-o", "merged"] + cfg["merge_args"], work)
                with open(os.path.join(work, "merged"), "rb") as f:
                    out["part"] = f.read()
            return key, out
        run(cmd + ["--partial", "-o", "merged"], work)
        with open(os.path.join(work, "merged"), "rb") as f:
            return key, f.read()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv):
    a = parse_args(argv)
    if os.path.basename(a.casift) != "casift":
        sys.exit("--casift must name a file called casift (SparkFiles finds it by that name)")
    spark = SparkSession.builder.appName("casift").getOrCreate()
    sc = spark.sparkContext
    sc.addFile(a.casift)
    for f in (a.locations, a.policies):
        if f:
            sc.addFile(f)
    cfg = {
        "locations": os.path.basename(a.locations) if a.locations else None,
        "policies": os.path.basename(a.policies) if a.policies else None,
        "format": a.format,
        "redact": a.redact,
        "part_out": a.part_out,
        "analyze_args": (["--assume-disjoint"] if a.assume_disjoint else [])
        + (["--redact"] if a.redact else []) + a.casift_args,
        "merge_args": ["--assume-disjoint"] if a.assume_disjoint else [],
    }

    # 1. List the inputs on the driver (the storage's LIST calls only), through the cluster's
    #    own Hadoop file system, so abfss://, wasbs://, dbfs:/ and local paths all work.
    conf = sc._jsc.hadoopConfiguration()
    conf.set("mapreduce.input.fileinputformat.input.dir.recursive", "true")
    root = sc._jvm.org.apache.hadoop.fs.Path(a.input)
    listing = root.getFileSystem(conf).listFiles(root, True)
    urls = []
    while listing.hasNext():
        urls.append(listing.next().getPath().toString())
    keep = lambda u: fnmatch.fnmatch(u.rsplit("/", 1)[-1], a.glob)
    names = sorted((relative(a.input, u) for u in urls if keep(u)), key=lambda p: p.split("/"))
    if not names:
        sys.exit(f"no file matching {a.glob} under {a.input}")
    order = {n: i for i, n in enumerate(names)}
    print(f"casift: {len(names)} files under {a.input}", file=sys.stderr)

    # 2. One part per file, on the executors (which read the files), in input order
    #    (casift's own: paths sorted by component).
    parts_n = a.partitions or max(1, len(names) // 4)
    files = sc.binaryFiles(a.input.rstrip("/") + "/", minPartitions=parts_n).filter(lambda kv: keep(kv[0]))
    parts = (files.map(lambda kv: (order[relative(a.input, kv[0])], relative(a.input, kv[0]), kv[1]))
             .repartition(parts_n)
             .mapPartitions(lambda rows: analyze_partition(rows, cfg)))

    # 3. Merge in a tree: groups of --fan-in consecutive parts, level by level.
    fan = max(2, a.fan_in)
    count = len(names)
    while count > fan:
        parts = (parts.map(lambda kv: (kv[0] // fan, (kv[0] % fan, kv[1])))
                 .groupByKey()
                 .map(lambda g: merge_group((g[0], list(g[1])), cfg, False)))
        count = (count + fan - 1) // fan

    # 4. The last merge writes the report (small); the driver saves it.
    (_, out), = (parts.map(lambda kv: (0, kv)).groupByKey()
                 .map(lambda g: merge_group((g[0], list(g[1])), cfg, True)).collect())
    with open(a.output, "wb") as f:
        f.write(out["report"])
    if a.part_out:
        with open(a.part_out, "wb") as f:
            f.write(out["part"])
    print(f"casift: wrote {a.output}", file=sys.stderr)
    # The session is left running: in a notebook it is the notebook's.


if __name__ == "__main__":
    main(sys.argv[1:])
