"""Do stored numbers depend on the machine? Rerun the reference outputs under other settings.

Runs, in subprocesses, every shipped config (and the variants the golden test pins), a batch
of the shipped configs, ``smasim calibrate`` (with and without ``--negotiations``), a small
sensitivity analysis, a backtest, and the JSON summary and budget of the batch, first as the
machine comes and then under each setting that changes what numpy and OpenBLAS execute:

- ``OPENBLAS_CORETYPE`` = Haswell, SkylakeX, Sandybridge (the BLAS kernel);
- ``OPENBLAS_NUM_THREADS`` = 1 and 2 (the number of BLAS threads);
- ``NPY_DISABLE_CPU_FEATURES``: the AVX-512 names as older numpy spells them, and this numpy's
  own feature groups above its baseline (numpy's SIMD level).

Every dataset of every file (h5py) and every text output is hashed; the report lists, per
setting, what differs from the machine's default and whether the setting took effect (the
BLAS kernel threadpoolctl sees, numpy's SIMD extensions). Exit status 1 when anything
differs. Run it with ``make portable``; it is not part of ``make test``, because CI must not
change these settings.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SMASIM = [str(Path(sys.executable).with_name("smasim"))]
SAMPLES, SEED = "70000", "7"
CONFIGS = sorted(p for p in (ROOT / "configs").glob("*.toml"))
#: The golden test's variants of the baseline, as --set assignments.
VARIANTS = {
    "baseline-sobol": ['run.sampler="sobol"'],
    "baseline-lhs": ['run.sampler="lhs"'],
    "baseline-student_t": ['shocks.distribution="student_t"', "shocks.dof=5"],
    "baseline-defense-rule": ['agreement.escalation={rule="defense_budget", lag=1}'],
    "baseline-usd_cpi": ['agreement.escalation={rule="usd_cpi"}'],
    "baseline-reopen": ["agreement.reopen_probability=0.3"],
    "baseline-elasticity": ["us_cost.troop_elasticity=0.7"],
}
#: What this process reports about itself, printed by the child and read by the parent.
PROBE = (
    "import json, threadpoolctl, numpy as np;"
    "from numpy._core._multiarray_umath import __cpu_dispatch__ as d, __cpu_features__ as f;"
    "blas = [i for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas'];"
    "print(json.dumps({'blas': [(i['architecture'], i['num_threads']) for i in blas],"
    " 'simd': sorted(k for k in d if f.get(k))}))"
)


def _commands(out: Path) -> list[tuple[str, list[str]]]:
    """(name of the output, smasim arguments) for every output compared."""
    runs = [(f"run {c.stem}", ["run", str(c), "--samples", SAMPLES, "--seed", SEED,
                               "-o", str(out / f"{c.stem}.h5")]) for c in CONFIGS]
    for name, sets in VARIANTS.items():
        args = ["run", str(ROOT / "configs" / "baseline.toml"), "--samples", SAMPLES,
                "--seed", SEED, "-o", str(out / f"{name}.h5")]
        for assignment in sets:
            args += ["--set", assignment]
        runs.append((f"run {name}", args))
    batch = out / "batch.h5"
    batch_configs = [str(ROOT / "configs" / f"{n}.toml")
                     for n in ("baseline", "drawdown", "lapse", "us-demand-2027")]
    return [
        *runs,
        ("batch", ["batch", *batch_configs, "--samples", SAMPLES, "--seed", SEED,
                   "-o", str(batch)]),
        ("summary json", ["summary", str(batch), "--detail", "--format", "json",
                          "-o", str(out / "summary.json")]),
        ("budget json", ["budget", str(batch), "--format", "json",
                         "-o", str(out / "budget.json")]),
        ("calibrate", ["calibrate", "--base", str(ROOT / "configs" / "baseline.toml"),
                       "-o", str(out / "calibrated.toml")]),
        ("calibrate --negotiations", ["calibrate", "--negotiations", "--base",
                                      str(ROOT / "configs" / "baseline.toml"),
                                      "-o", str(out / "calibrated-negotiations.toml")]),
        ("sensitivity", ["sensitivity", str(ROOT / "configs" / "baseline.toml"),
                         "--samples", "4096", "--seed", "3", "-o", str(out / "sensitivity.nc")]),
        ("backtest", ["backtest", "--samples", "2000", "-o", str(out / "backtest.nc")]),
        # Judgment: the pooled mixtures' inverse CDFs, importance weights, a design and PRIM.
        ("elicit", ["elicit", str(ROOT / "configs" / "elicitation" / "workshop.toml"),
                    "--base", str(ROOT / "configs" / "baseline.toml"),
                    "-o", str(out / "pooled.toml")]),
        ("run pooled", ["run", str(ROOT / "configs" / "variants" / "pooled.toml"),
                        "--samples", SAMPLES, "--seed", SEED, "-o", str(out / "pooled.h5")]),
        ("reweight json", ["reweight", str(batch), "--renormalize", "--set",
                           "negotiation.outcomes.demand.probability=0.5", "--format", "json",
                           "--scenario", "baseline", "-o", str(out / "reweight.json")]),
        ("explore", ["explore", str(ROOT / "configs" / "baseline.toml"), "--points", "16",
                     "--samples", "2000", "--seed", SEED,
                     "--vary", "negotiation.outcomes.demand.probability=0.1:0.6",
                     "--vary", "negotiation.outcomes.demand.concession.mean=0.1:0.5",
                     "--threshold", "contribution_usd=2e9", "-o", str(out / "explore.h5")]),
        ("discover", ["discover", str(out / "explore.h5"), "--where",
                      "contribution_usd[2031].exceed(2e9) >= 0.2",
                      "-o", str(out / "discover.nc")]),
    ]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hash_outputs(out: Path) -> dict[str, str]:
    """sha256 of every dataset of every netCDF/HDF5 file and of every other file, in
    subfolders too (calibrate writes its tables of draws beside its TOML), with the output
    folder's name, which differs between settings, replaced."""
    found: dict[str, str] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.suffix in (".h5", ".nc"):
            with h5py.File(path) as handle:
                def visit(name: str, item: object, stem: str = path.name) -> None:
                    if isinstance(item, h5py.Dataset):
                        values = item.asstr()[()] if item.dtype.kind == "O" else item[()]
                        array = np.asarray(values)
                        raw = ("\n".join(map(str, array.ravel())).encode()
                               if array.dtype.kind in "OU" else
                               np.ascontiguousarray(array).tobytes())
                        found[f"{stem}:{name}"] = _digest(raw)
                handle.visititems(visit)
        else:
            data = path.read_bytes().replace(str(out).encode(), b"<out>")
            found[str(path.relative_to(out))] = _digest(data)
    return found


def run_setting(env_change: dict[str, str], folder: Path) -> tuple[dict[str, str], dict]:
    """Run every command under the environment change; the hashes and what took effect."""
    env = {**os.environ, **env_change}
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "NPY_DISABLE_CPU_FEATURES"):
        if key not in env_change:
            env.pop(key, None)
    folder.mkdir(parents=True)
    for name, args in _commands(folder):
        done = subprocess.run([*SMASIM, *args, "--quiet"] if args[0] in ("run", "batch")
                              else [*SMASIM, *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{name} failed under {env_change}: {done.stderr.strip()}")
    probe = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                           text=True, check=True)
    return _hash_outputs(folder), json.loads(probe.stdout)


def _simd_groups() -> list[str]:
    """This numpy's dispatchable SIMD targets that this CPU has (the ones to disable)."""
    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                           check=True)
    return json.loads(probe.stdout)["simd"]


def settings() -> dict[str, dict[str, str]]:
    found = _simd_groups()
    avx512 = [name for name in found if "512" in name or name == "X86_V4"]
    table: dict[str, dict[str, str]] = {
        "OPENBLAS_CORETYPE=Haswell": {"OPENBLAS_CORETYPE": "Haswell"},
        "OPENBLAS_CORETYPE=SkylakeX": {"OPENBLAS_CORETYPE": "SkylakeX"},
        "OPENBLAS_CORETYPE=Sandybridge": {"OPENBLAS_CORETYPE": "Sandybridge"},
        "OPENBLAS_NUM_THREADS=1": {"OPENBLAS_NUM_THREADS": "1"},
        "OPENBLAS_NUM_THREADS=2": {"OPENBLAS_NUM_THREADS": "2"},
        "NPY_DISABLE_CPU_FEATURES=AVX512F AVX512CD AVX512_SKX": {
            "NPY_DISABLE_CPU_FEATURES": "AVX512F AVX512CD AVX512_SKX"},
    }
    if avx512:
        table[f"NPY_DISABLE_CPU_FEATURES={' '.join(avx512)}"] = {
            "NPY_DISABLE_CPU_FEATURES": " ".join(avx512)}
    if found and found != avx512:
        table[f"NPY_DISABLE_CPU_FEATURES={' '.join(found)}"] = {
            "NPY_DISABLE_CPU_FEATURES": " ".join(found)}
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[],
                        help="run only the settings whose name contains this text")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="smasim-portable-"))
    try:
        reference, where = run_setting({}, work / "default")
        print(f"default: BLAS {where['blas']}, numpy SIMD {where['simd']}; "
              f"{len(reference)} outputs hashed")
        differing = 0
        for k, (name, change) in enumerate(settings().items()):
            if args.only and not any(text in name for text in args.only):
                continue
            hashes, seen = run_setting(change, work / f"setting-{k}")
            effect = "took effect" if seen != where else "no effect on this machine"
            diff = sorted(key for key in reference if hashes.get(key) != reference[key])
            differing += len(diff)
            print(f"{name}: {len(diff)} of {len(reference)} differ "
                  f"(BLAS {seen['blas']}, numpy SIMD {seen['simd']}: {effect})")
            for key in diff[:40]:
                print(f"    {key}")
            if len(diff) > 40:
                print(f"    … and {len(diff) - 40} more")
        print(f"portability: {differing} differing outputs in all")
        return 1 if differing else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
