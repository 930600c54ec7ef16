"""Paired, alternating runs of commands in child processes: the one way the benchmarks time a command.

Each round runs every command once, in turn, so machine noise (other jobs, frequency scaling) hits all of
them alike; the figures are the median of each command's times and the median of the per-round ratio to
the first command (the floor). Both wall time and the child's CPU time (user + system, from
`getrusage(RUSAGE_CHILDREN)`) are measured; CPU time is the steadier one on a shared machine.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float


def run(cmd: list[str], cwd: str | None = None, env: dict | None = None) -> Sample:
    """Run `cmd` to completion (it must succeed) and return its wall and CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Sample(wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))


def compare(
    commands: dict[str, list[str]], rounds: int, cwd: str | None = None, env: dict | None = None
) -> dict[str, list[Sample]]:
    """Run the commands in alternation for `rounds` rounds (after one warm-up round) and return the samples."""
    for cmd in commands.values():
        run(cmd, cwd, env)  # warm the file cache and the bytecode
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            samples[name].append(run(cmd, cwd, env))
    return samples


def report(samples: dict[str, list[Sample]], goals: dict[str, float] | None = None) -> list[str]:
    """Lines: each command's median wall and CPU ms, and its median per-round CPU ratio to the first one."""
    goals = goals or {}
    names = list(samples)
    floor = samples[names[0]]
    lines = []
    width = max(len(n) for n in names)
    for name in names:
        rows = samples[name]
        wall = statistics.median(s.wall for s in rows)
        cpu = statistics.median(s.cpu for s in rows)
        line = f"{name:{width}}  wall {1000 * wall:7.1f} ms  CPU {1000 * cpu:7.1f} ms"
        if name != names[0]:
            cpu_ratio = statistics.median(s.cpu / f.cpu for s, f in zip(rows, floor, strict=True))
            wall_ratio = statistics.median(s.wall / f.wall for s, f in zip(rows, floor, strict=True))
            line += f"  {cpu_ratio:.2f}x CPU, {wall_ratio:.2f}x wall of {names[0]}"
            if name in goals:
                line += f" (goal <= {goals[name]}x)"
        lines.append(line)
    lines.append(f"({len(floor)} paired rounds, medians)")
    return lines
