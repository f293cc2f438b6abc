#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Renders wpfault's LAVA jobs and device dictionary, and checks them.

  lava_job.py render TEMPLATE VARS.json            job YAML on stdout
  lava_job.py device DEVICE-TYPES DICT JOB.yaml    device YAML on stdout
  lava_job.py validate JOB.yaml...                 lava-common's schema
  lava_job.py results LAVA-RUN.log                 every test case, checked

Jobs are jinja2 templates, as KernelCI and LKFT make theirs; every
variable must be given.  A device dictionary is rendered with
lava-server's device-type templates and the job's context, as a LAVA
server does before it hands a job to a worker.
"""

import json
import os
import re
import sys

import jinja2
import yaml


def render(template, variables):
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.dirname(template)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    with open(variables) as f:
        values = json.load(f)
    print(env.get_template(os.path.basename(template)).render(**values))


def device(device_types, dictionary, job):
    with open(job) as f:
        context = yaml.safe_load(f).get("context", {})
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(
            [os.path.dirname(dictionary), device_types]
        ),
        trim_blocks=True,
        autoescape=False,
    )
    text = env.get_template(os.path.basename(dictionary)).render(**context)
    # What lava-run reads must be YAML with the keys a worker expects.
    parsed = yaml.safe_load(text)
    if "actions" not in parsed:
        sys.exit(f"{dictionary}: rendered without actions")
    print(text)


def validate(jobs):
    from lava_common.schemas import validate as lava_validate
    from voluptuous import Invalid

    bad = 0
    for job in jobs:
        with open(job) as f:
            data = yaml.safe_load(f)
        try:
            lava_validate(data, strict=True)
            print(f"{job}: valid")
        except Invalid as exc:
            print(f"{job}: INVALID: {exc} (at {exc.path})")
            bad += 1
    sys.exit(1 if bad else 0)


# The test cases the runner adds to those of the TAP it parses.
RUNNER_CASES = {"kselftest-tarball", "wpfault-module-installed",
                "kernel-reports-none"}
TAP_RESULT = re.compile(r"^(# )*(not )?ok [0-9]+ ")


def results(path):
    """Prints the test cases LAVA recorded in lava-run's log (one YAML
    record per line) and fails unless the job passed, no case failed, and
    every TAP result the target printed became a case."""
    cases = []
    job = None
    tap = 0
    with open(path) as f:
        for line in f:
            if not line.startswith("{"):
                continue
            record = yaml.safe_load(line)
            msg = record["msg"]
            if record["lvl"] == "target" and isinstance(msg, str):
                tap += bool(TAP_RESULT.match(msg))
            elif record["lvl"] == "results":
                if msg["definition"] != "lava":
                    cases.append((msg["case"], msg["result"]))
                elif msg["case"] == "job":
                    job = msg
    counts = {}
    for case, result in cases:
        print(f"{result:5} {case}")
        counts[result] = counts.get(result, 0) + 1
    from_tap = sum(1 for case, _ in cases if case not in RUNNER_CASES)
    print(f"LAVA test cases: {counts.get('pass', 0)} passed, "
          f"{counts.get('fail', 0)} failed, {counts.get('skip', 0)} skipped; "
          f"{from_tap} from the {tap} TAP results on the console")
    errors = []
    if job is None or job["result"] != "pass":
        errors.append(f"the job did not pass: {job}")
    if not cases:
        errors.append("no test case")
    if counts.get("fail", 0) or set(counts) - {"pass", "skip"}:
        errors.append("a test case did not pass")
    if from_tap != tap:
        errors.append("TAP results and LAVA test cases differ in number")
    for error in errors:
        print(f"lava: {error}")
    sys.exit(1 if errors else 0)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "render" and len(args) == 2:
        render(*args)
    elif cmd == "device" and len(args) == 3:
        device(*args)
    elif cmd == "validate" and args:
        validate(args)
    elif cmd == "results" and len(args) == 1:
        results(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
