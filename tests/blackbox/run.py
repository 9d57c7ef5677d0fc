#!/usr/bin/env python3
"""Runs the Calendula black-box suite.

    python3 tests/blackbox/run.py [--bin PATH] [-k SUBSTRING] [--store sqlite|postgres] [-j N]

Discovers test_*.py beside this file and runs every test_* function, each
module in its own worker process (N modules at a time). A module may define
setup_module() and teardown_module(); its shared server (harness.shared_server)
is stopped and checked after teardown_module. Prints one line per
test, "PASS module::name (0.12s)" or "FAIL module::name" followed by the
indented traceback, and last exactly one line "N passed, N failed".
Exit code 1 if anything failed.

  --bin PATH   the binary (default $CALENDULA_BIN, else build/calendula in the repo)
  -k SUB       only tests whose "module::name" contains SUB
  --store      sqlite (default $CALENDULA_TEST_STORE or sqlite) or postgres
               (reads $CALENDULA_TEST_PG_URL; a fresh database per server)
  -j N         modules in parallel (default 2)
"""

import argparse
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))

TEST_TIMEOUT = 120        # seconds per test function
MODULE_TIMEOUT = 600      # seconds per module worker


def discover():
    return sorted(f[:-3] for f in os.listdir(HERE)
                  if f.startswith("test_") and f.endswith(".py"))


def tests_of(module):
    """test_* functions of a module in definition order."""
    return [(name, fn) for name, fn in vars(module).items()
            if name.startswith("test_") and callable(fn)]


def selected(modname, testname, k):
    return k is None or k in "%s::%s" % (modname, testname)


# --------------------------------------------------------------------------
# worker: runs one module, writes one JSON event per line to its stdout


class _TestTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _TestTimeout("test exceeded %d s" % TEST_TIMEOUT)


def worker(modname, k):
    events = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)                   # tests' prints go to stderr, not the event stream
    sys.stdout = sys.stderr
    sys.path.insert(0, HERE)

    def emit(**ev):
        events.write(json.dumps(ev) + "\n")
        events.flush()

    import harness
    signal.signal(signal.SIGALRM, _on_alarm)
    try:
        module = importlib.import_module(modname)
    except Exception:
        emit(name="<import>", ok=False, duration=0, tb=traceback.format_exc())
        return
    setup = getattr(module, "setup_module", None)
    if callable(setup):
        t0 = time.monotonic()
        try:
            setup()
        except BaseException:
            emit(name="<setup_module>", ok=False, duration=time.monotonic() - t0,
                 tb=traceback.format_exc())
            _teardown(module, emit)
            return
    for name, fn in tests_of(module):
        if not selected(modname, name, k):
            continue
        t0 = time.monotonic()
        tb = None
        signal.alarm(TEST_TIMEOUT)
        try:
            fn()
        except BaseException as e:  # noqa: B036 - report everything, keep going
            if isinstance(e, KeyboardInterrupt):
                raise
            tb = traceback.format_exc()
        finally:
            signal.alarm(0)
        died = harness._shared_died()
        if died:
            tb = (tb or "") + "\n" + died
        emit(name=name, ok=tb is None, duration=time.monotonic() - t0, tb=tb)
    _teardown(module, emit)


def _teardown(module, emit):
    """teardown_module() if the module has one, then the shared server's
    checked stop; each failure is reported as one failed entry."""
    import harness
    t0 = time.monotonic()
    teardown = getattr(module, "teardown_module", None)
    if callable(teardown):
        try:
            teardown()
        except BaseException:
            emit(name="<teardown_module>", ok=False, duration=time.monotonic() - t0,
                 tb=traceback.format_exc())
    t0 = time.monotonic()
    try:
        harness._teardown_shared()
    except BaseException:
        emit(name="<teardown>", ok=False, duration=time.monotonic() - t0,
             tb="stopping the module's shared server failed:\n" + traceback.format_exc())


# --------------------------------------------------------------------------
# parent


class Totals:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.lock = threading.Lock()

    def report(self, modname, ev):
        with self.lock:
            label = "%s::%s" % (modname, ev["name"])
            if ev["ok"]:
                self.passed += 1
                print("PASS %s (%.2fs)" % (label, ev["duration"]), flush=True)
            else:
                self.failed += 1
                print("FAIL %s" % label, flush=True)
                tb = (ev.get("tb") or "").rstrip("\n")
                print("\n".join("    " + line for line in tb.splitlines()), flush=True)


TIMINGS = os.path.join(tempfile.gettempdir(), "calendula-blackbox-timings.json")


def load_timings():
    """Module wall times of earlier runs (only used to start slow modules
    first; a missing or broken file just means no hints)."""
    try:
        with open(TIMINGS) as f:
            data = json.load(f)
        return {k: float(v) for k, v in data.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def save_timings(timings):
    try:
        tmp = TIMINGS + ".%d" % os.getpid()
        with open(tmp, "w") as f:
            json.dump(timings, f)
        os.replace(tmp, TIMINGS)
    except OSError:
        pass


_live = set()
_live_lock = threading.Lock()


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_module(modname, args, env, totals):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", modname]
    if args.k is not None:
        cmd += ["-k", args.k]
    with tempfile.TemporaryFile() as errf:
        # own process group: a timeout or Ctrl-C kills the worker together
        # with every server it started
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=errf,
                                stdin=subprocess.DEVNULL, text=True, cwd=HERE,
                                start_new_session=True)
        with _live_lock:
            _live.add(proc)
        timer = threading.Timer(MODULE_TIMEOUT, _kill_group, args=(proc,))
        timer.start()
        seen = 0
        try:
            for line in proc.stdout:
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                seen += 1
                totals.report(modname, ev)
            rc = proc.wait()
        finally:
            timer.cancel()
            _kill_group(proc)      # servers a crashed worker left behind
            with _live_lock:
                _live.discard(proc)
        if rc != 0:
            errf.seek(0)
            err = errf.read().decode("utf-8", "replace")
            totals.report(modname, {"name": "<worker>", "ok": False, "duration": 0,
                                    "tb": "worker exited with code %s after %d results\n%s"
                                    % (rc, seen, err[-6000:])})


def main():
    ap = argparse.ArgumentParser(description="Calendula black-box tests")
    ap.add_argument("--bin", default=None)
    ap.add_argument("-k", default=None)
    ap.add_argument("--store", choices=("sqlite", "postgres"), default=None)
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        worker(args.worker, args.k)
        return 0

    binary = args.bin or os.environ.get("CALENDULA_BIN") or os.path.join(REPO_ROOT, "build", "calendula")
    binary = os.path.abspath(binary)
    store = args.store or os.environ.get("CALENDULA_TEST_STORE") or "sqlite"
    env = dict(os.environ)
    env["CALENDULA_BIN"] = binary
    env["CALENDULA_TEST_STORE"] = store
    env["PYTHONDONTWRITEBYTECODE"] = "1"

    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print("FAIL <setup>::binary")
        print("    no executable at %s (build it, or pass --bin / set CALENDULA_BIN)" % binary)
        print("0 passed, 1 failed")
        return 1
    if store == "postgres" and not os.environ.get("CALENDULA_TEST_PG_URL"):
        print("FAIL <setup>::store")
        print("    --store postgres needs CALENDULA_TEST_PG_URL")
        print("0 passed, 1 failed")
        return 1

    # Import each module here only to list and weigh its tests.
    sys.path.insert(0, HERE)
    sys.dont_write_bytecode = True
    os.environ.update({"CALENDULA_BIN": binary, "CALENDULA_TEST_STORE": store})
    totals = Totals()
    timings = load_timings()
    plan = []
    for modname in discover():
        try:
            mod = importlib.import_module(modname)
        except Exception:
            totals.report(modname, {"name": "<import>", "ok": False, "duration": 0,
                                    "tb": traceback.format_exc()})
            continue
        n = sum(1 for name, _ in tests_of(mod) if selected(modname, name, args.k))
        if n:
            # slowest first keeps the pool busy: the last full run's time, else
            # the module's WEIGHT (about its seconds), else a guess from its size
            guess = getattr(mod, "WEIGHT", None) or os.path.getsize(os.path.join(HERE, modname + ".py")) / 4000
            plan.append((timings.get(modname, guess) if args.k is None else guess, modname))
    plan.sort(key=lambda p: -p[0])

    def timed_run(m):
        t = time.monotonic()
        run_module(m, args, env, totals)
        return m, time.monotonic() - t

    t0 = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=max(1, args.j))
    try:
        futures = [pool.submit(timed_run, m) for _, m in plan]
        for f in futures:
            m, dt = f.result()
            if args.k is None:
                timings[m] = dt
    except KeyboardInterrupt:
        for f in futures:
            f.cancel()
        with _live_lock:
            for p in list(_live):
                _kill_group(p)
        print("interrupted", flush=True)
        print("%d passed, %d failed" % (totals.passed, totals.failed + 1), flush=True)
        return 1
    finally:
        pool.shutdown(wait=True)
    if args.k is None:
        save_timings(timings)
    print("# %d modules in %.1fs (binary %s, store %s)"
          % (len(plan), time.monotonic() - t0, binary, store), flush=True)
    if not plan:
        print("# no test matched", flush=True)
    print("%d passed, %d failed" % (totals.passed, totals.failed), flush=True)
    return 1 if totals.failed else 0


if __name__ == "__main__":
    sys.exit(main())
