#!/usr/bin/env python3
"""Transfer benchmark: push and pull of one large blob, in bounded memory.

Builds ToyPipe's `huge` target (one output of --mb MB of base64 noise, compressible by a
quarter) into a store, then times `push` from that store and `pull` into an empty one through
  (a) a directory remote, and
  (b) a loopback nginx speaking the Bazel HTTP cache protocol (scripts/nginx-test-server),
printing each command's wall time, MB/s (of the blob's raw bytes) and peak RSS (the child's
ru_maxrss from wait4), against the target: peak RSS under 300 MB whatever the blob's size.
Not a test: it needs several GB of disk (the blob raw on each remote, compressed in 3 stores).

Usage: scripts/bench_transfer.py [--mb 2048] [--config release|debug] [--keep]

Seen here (release, 2 GB, 2 cores shared with other builds): push/pull 146/182 MB/s through a
directory, 220/127 MB/s through nginx, peak RSS 36-49 MB for all four.
"""
import argparse, os, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RSS_TARGET_MB = 300


def run(cmd, cwd):
    """Runs `cmd`; returns (seconds, peak RSS in MB, stderr). Exits on failure."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        # wait4: this child's own rusage (RUSAGE_CHILDREN would be the max over all children).
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0); err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr}{stdout}")
    return seconds, usage.ru_maxrss / 1024, stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=2048, help="size of the blob in MiB (default 2048)")
    parser.add_argument("--config", choices=["release", "debug"], default="release")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    build = [os.path.join(ROOT, "scripts", "swiftpm"), "build", "--product", "ToyPipe", "-c", args.config]
    built = subprocess.run(build, cwd=ROOT, capture_output=True, text=True)
    if built.returncode != 0:
        sys.exit(f"{' '.join(build)} failed:\n{built.stderr}{built.stdout}")
    toy = os.path.join(ROOT, ".build", args.config, "ToyPipe")
    work = tempfile.mkdtemp(prefix="pipe-bench-transfer-", dir=os.environ.get("BENCH_DIR"))
    server = os.path.join(work, "nginx")
    nginx_script = os.path.join(ROOT, "scripts", "nginx-test-server")
    url = subprocess.run([nginx_script, "start", server], check=True, capture_output=True, text=True).stdout.strip()
    settings = ["--set", f"huge.mb={args.mb}"]
    raw_mb = args.mb * 1048576 / 1e6
    rows = []
    try:
        seconds, rss, _ = run([toy, "build", "huge", *settings, "--store", "source"], work)
        print(f"transfer benchmark: one blob of {args.mb} MiB ({raw_mb:.0f} MB), ToyPipe {args.config}, "
              f"{os.cpu_count()} cores; built in {seconds:.1f} s")
        remotes = [("directory", os.path.join(work, "remote-dir")), ("nginx", url)]
        for name, remote in remotes:
            for verb, store in [("push", "source"), ("pull", f"pulled-{name}")]:
                seconds, rss, err = run([toy, verb, "huge", *settings, "--store", store, "--remote", remote], work)
                summary = next((l for l in reversed(err.splitlines()) if l.startswith("pipe: remote:")), "")
                rows.append((f"{verb} via {name}", seconds, raw_mb / seconds, rss, summary))
        print(f"{'':20} {'seconds':>8} {'MB/s':>8} {'peak RSS MB':>12}")
        for label, seconds, rate, rss, summary in rows:
            verdict = "ok" if rss < RSS_TARGET_MB else f"OVER the {RSS_TARGET_MB} MB target"
            print(f"{label:20} {seconds:8.1f} {rate:8.1f} {rss:12.0f}  {verdict}   [{summary}]")
        worst = max(r[3] for r in rows)
        print(f"peak RSS target < {RSS_TARGET_MB} MB: {'met' if worst < RSS_TARGET_MB else 'MISSED'} (worst {worst:.0f} MB)")
    finally:
        subprocess.run([nginx_script, "stop", server], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
