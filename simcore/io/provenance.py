"""What a result file says about itself.

Every result file carries the resolved configuration of each scenario (and the comment its
file opened with, the scenario's question), the seed (or the entropy an unseeded run drew),
the block size, sampler, versions and the platform that wrote it: :func:`provenance_attrs`
writes them, :func:`file_info` gathers them for ``smasim info``, :func:`version_differences`
says which recorded versions differ from the installed ones, and :func:`stored_scenarios`
gives back the configurations that :func:`simcore.run.rerun.rerun` runs again.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import platform
import subprocess
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_info

from simcore.config.load import parse_scenario
from simcore.config.schema import ElicitationRecord, Scenario, toml_hash
from simcore.core.design import BIT_GENERATOR, BLOCK_SIZE
from simcore.core.errors import ResultFileError
from simcore.io.layout import CF_CONVENTIONS, KIND_ATTR, SUMMARY_FLOAT_ATTR, SUMMARY_ONLY_ATTR
from simcore.io.reader import read_structure

#: Packages whose versions a result file records.
RECORDED_PACKAGES = ("smasim", "numpy", "scipy", "xarray", "h5netcdf", "h5py", "pydantic")
#: The attribute that records them (and Python's version), as ``name=version`` words.
VERSIONS_ATTR = "library_versions"
#: The attributes that record the platform that wrote a file (:func:`platform_attrs`).
PLATFORM_ATTRS = ("platform", "platform_cpu", "platform_python", "platform_blas")


def package_versions(names: Iterable[str] = RECORDED_PACKAGES) -> dict[str, str]:
    """Installed version of each package (``"unknown"``, one word, if it is not installed)."""
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def installed_versions() -> dict[str, str]:
    """What :data:`VERSIONS_ATTR` records: :data:`RECORDED_PACKAGES` and ``python``."""
    return {**package_versions(), "python": platform.python_version()}


def recorded_versions(text: str) -> dict[str, str]:
    """Parse a :data:`VERSIONS_ATTR` value (``"numpy=2.4.6 python=3.11.7"``) into a dict."""
    pairs = (word.partition("=") for word in text.split())
    return {name: version for name, equals, version in pairs if name and equals}


def cpu_model() -> str:
    """The CPU's model name as the operating system reports it (``"unknown"`` if it does not).

    Linux: ``model name`` in ``/proc/cpuinfo`` (x86) or ``Model`` (some ARM boards); macOS:
    ``sysctl machdep.cpu.brand_string``; elsewhere :func:`platform.processor`.
    """
    system = platform.system()
    if system == "Linux":
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            cpuinfo = ""
        model = cpuinfo_model(cpuinfo)
        if model:
            return model
    elif system == "Darwin":
        try:
            done = subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"],
                                  capture_output=True, text=True, timeout=5, check=False)
        except (OSError, subprocess.SubprocessError):
            done = None
        if done is not None and done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    return platform.processor().strip() or "unknown"


def cpuinfo_model(cpuinfo: str) -> str | None:
    """The first ``model name`` (or ``Model``) of a ``/proc/cpuinfo`` text; None if absent."""
    for line in cpuinfo.splitlines():
        key, colon, value = line.partition(":")
        if colon and key.strip() in ("model name", "Model") and value.strip():
            return value.strip()
    return None


def blas_description() -> str:
    """Each BLAS library numpy and scipy loaded: owner, library, version, kernel.

    For example ``"numpy: openblas 0.3.31, Haswell kernel; scipy: openblas 0.3.30, Haswell
    kernel"``, as :func:`threadpoolctl.threadpool_info` reports them (OpenBLAS picks its
    kernel at load time from the CPU, or from ``OPENBLAS_CORETYPE``).
    """
    # scipy loads its own BLAS with scipy.special, which every run imports anyway; importing
    # it here makes the record the same whoever asks.
    from scipy import special  # noqa: F401

    found = []
    for library in threadpool_info():
        if library.get("user_api") != "blas":
            continue
        kernel = library.get("architecture")
        found.append(
            f"{_library_owner(str(library.get('filepath', '')))}: "
            f"{library.get('internal_api', '?')} {library.get('version') or '?'}"
            + (f", {kernel} kernel" if kernel else "")
        )
    return "; ".join(sorted(found)) or "none found by threadpoolctl"


def _library_owner(filepath: str) -> str:
    """Whose BLAS a shared library is: numpy's wheels ship it in ``numpy.libs/`` (Linux) or
    ``numpy/.dylibs/`` (macOS), scipy's likewise; any other is named by its file."""
    parts = Path(filepath).parts
    for part in reversed(parts):
        name = part.removesuffix(".libs")
        if name in ("numpy", "scipy"):
            return name
    return parts[-1] if parts else "?"


def platform_attrs() -> dict[str, str]:
    """The :data:`PLATFORM_ATTRS` of this process: the machine a file is written on.

    ``platform``: operating system, its release, machine and C library
    (:func:`platform.platform`); ``platform_cpu``: :func:`cpu_model`; ``platform_python``:
    implementation and version; ``platform_blas``: :func:`blas_description`.
    No stored number should depend on any of them (docs/model-notes.md, "Arithmetic"): they
    say what differed when a file cannot be reproduced. On a cluster they describe the
    process that writes the file, not the workers.
    """
    return {
        "platform": platform.platform(),
        "platform_cpu": cpu_model(),
        "platform_python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform_blas": blas_description(),
    }


def version_differences(info: FileInfo) -> dict[str, tuple[str, str]]:
    """Recorded versions that differ from the installed ones: ``{name: (written, installed)}``.

    A file's bits may change with any of them (a rerun here may differ in the last bits).
    Packages the file does not record are not compared; a file without
    :data:`VERSIONS_ATTR` gives an empty dict.
    """
    written = recorded_versions(str(info.attrs.get(VERSIONS_ATTR, "")))
    installed = installed_versions()
    installed |= package_versions(name for name in written if name not in installed)
    return {name: (version, installed[name]) for name, version in written.items()
            if installed[name] != version}


def origin_attrs(command: str) -> dict[str, object]:
    """What every file smasim writes records about its making: the CF conventions, the
    versions of smasim, its libraries and Python (:data:`VERSIONS_ATTR`), the platform
    (:func:`platform_attrs`), when (UTC), and the command (``history``).

    Parameters
    ----------
    command : str
        The command line (or what a notebook says it ran).
    """
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    versions = installed_versions()
    return {
        "Conventions": CF_CONVENTIONS,
        "source": f"smasim {versions['smasim']}",
        "history": f"{created} {command}",
        "created": created,
        "smasim_version": versions["smasim"],
        VERSIONS_ATTR: " ".join(f"{name}={version}" for name, version in versions.items()),
        **platform_attrs(),
    }


def provenance_attrs(
    scenarios: Sequence[Scenario], *, seed: int, seed_source: str, command: str
) -> dict[str, object]:
    """Global attributes that let anyone run the file again (:func:`simcore.run.rerun.rerun`):
    :func:`origin_attrs`, the scenarios' resolved configurations and the seed.

    Parameters
    ----------
    scenarios : sequence of Scenario
        The scenarios as validated; each one's resolved TOML is stored, and its
        :attr:`~simcore.config.schema.Scenario.comment` where it has one.
    seed : int
        The run's seed (may exceed a configuration's 64 bits: drawn entropy).
    seed_source : str
        Where the seed came from.
    command : str
        The command line, for ``history``.
    """
    first = scenarios[0]
    origin = origin_attrs(command)
    attrs: dict[str, object] = {
        "Conventions": origin.pop("Conventions"),
        "title": "smasim: US-ROK Special Measures Agreement cost-sharing simulation",
        **origin,
        "scenario_names": " ".join(s.run.name for s in scenarios),
        "seed": str(seed),
        "seed_source": seed_source,
        "sampler": first.run.sampler,
        "bit_generator": BIT_GENERATOR,
        "block_size": BLOCK_SIZE,
        "n_samples": first.run.samples,
        "base_year": first.run.base_year,
        "horizon": first.run.horizon,
    }
    # A batch's are numbered in the order of the ``scenario`` coordinate: scenario names may
    # hold '-' and '.', which CF does not allow in attribute names.
    for key, scenario in zip(_config_keys(len(scenarios)), scenarios, strict=True):
        text = scenario.to_toml()
        attrs[f"config_toml{key}"] = text
        attrs[f"config_sha256{key}"] = toml_hash(text)
        if scenario.comment:
            attrs[f"config_comment{key}"] = scenario.comment
    return attrs


def _config_keys(count: int) -> list[str]:
    """The suffix of each scenario's configuration attributes: ``""`` for one scenario (a
    single run, or a batch of one), ``_0``, ``_1``, … for several."""
    return [""] if count == 1 else [f"_{index}" for index in range(count)]


@dataclass(frozen=True)
class VariableInfo:
    """One stored variable as ``smasim info`` lists it.

    Attributes
    ----------
    name : str
        Variable name.
    dims : tuple of str
        Dimension names.
    dtype : str
        Storage type (``float64``, ``float32``, ``int32``, ``int8``).
    units, long_name : str
        CF attributes.
    compression : str or None
        ``"zlib"`` (``--compress``) or None.
    """

    name: str
    dims: tuple[str, ...]
    dtype: str
    units: str
    long_name: str
    compression: str | None


@dataclass(frozen=True)
class FileInfo:
    """Provenance and layout of a result file.

    Attributes
    ----------
    path : Path
        The file.
    complete : bool
        The run finished: the summary group is written and the file marked complete.
    dims : dict of str to int
        Dimension sizes (``sample``, ``year``, and ``scenario`` for a batch).
    years : list of int
        Calendar years simulated.
    scenarios : list of str
        Scenario names (one for a single run).
    batch : bool
        The file has a ``scenario`` dimension.
    variables : list of VariableInfo
        Stored variables, in file order.
    attrs : dict
        Every global attribute, decoded.
    groups : dict
        Per group but the summary (an exploration's ``explore``), its attributes and its
        one-dimensional variables' attributes (:func:`simcore.io.reader.read_structure`).
    """

    path: Path
    complete: bool
    dims: dict[str, int]
    years: list[int]
    scenarios: list[str]
    batch: bool
    variables: list[VariableInfo]
    attrs: dict[str, Any]
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def seed(self) -> int:
        """The seed the run used (configured, or the entropy an unseeded run drew)."""
        try:
            return int(self.attrs["seed"])
        except (KeyError, TypeError, ValueError):
            raise ResultFileError(
                f"{self.path}: no usable 'seed' attribute (got {self.attrs.get('seed')!r})"
            ) from None

    @property
    def kind(self) -> str:
        """What the file holds: ``"run"``, or one of :data:`~simcore.io.layout.OTHER_KINDS`."""
        return str(self.attrs.get(KIND_ATTR, "run"))

    @property
    def float32(self) -> bool:
        """Floating-point variables are stored, or were summarized, as float32 (``--float32``;
        a ``--store none`` file records it in an attribute)."""
        return (any(v.dtype == "float32" for v in self.variables)
                or self.attrs.get(SUMMARY_FLOAT_ATTR) == "float32")

    @property
    def platform(self) -> dict[str, str]:
        """The recorded :data:`PLATFORM_ATTRS` (none in a file written before smasim 0.2)."""
        return {name: str(self.attrs[name]) for name in PLATFORM_ATTRS if name in self.attrs}

    @property
    def compressed(self) -> bool:
        """The samples are compressed (``--compress``)."""
        return any(v.compression for v in self.variables)

    @property
    def summary_only(self) -> list[str]:
        """Variables the file summarizes without their paths (the run's ``store``)."""
        return str(self.attrs.get(SUMMARY_ONLY_ATTR, "")).split()

    @property
    def store(self) -> list[str] | None:
        """The ``store`` the run was given: the variables with paths, or None (all)."""
        return [v.name for v in self.variables] if self.summary_only else None

    @property
    def _one_config(self) -> bool:
        """The file stores one configuration unnumbered: a single run, or a batch of one
        scenario (:func:`provenance_attrs` numbers them only when there are several)."""
        return not self.batch or (len(self.scenarios) == 1 and "config_toml" in self.attrs)

    def _keys(self, attribute: str) -> dict[str, str]:
        """Each scenario's name and the name of its ``attribute`` (``config_toml``, …)."""
        if self._one_config:
            return {self.scenarios[0]: attribute}
        return {name: f"{attribute}_{i}" for i, name in enumerate(self.scenarios)}

    def configs(self) -> dict[str, str]:
        """The resolved configuration of each scenario as TOML text, by scenario name."""
        keys = self._keys("config_toml")
        missing = [key for key in keys.values() if not isinstance(self.attrs.get(key), str)]
        if missing:
            raise ResultFileError(
                f"{self.path}: lacks the stored configuration ({', '.join(missing)})"
            )
        return {name: self.attrs[key] for name, key in keys.items()}

    def elicitations(self) -> dict[str, ElicitationRecord]:
        """Whose judgment each scenario's inputs are: the ``[elicitation]`` record of every
        scenario written by ``smasim elicit``, by scenario name (none for other files)."""
        if self.kind != "run":
            return {}
        records = {}
        for name, text in self.configs().items():
            data = tomllib.loads(text).get("elicitation")
            if data is not None:
                records[name] = ElicitationRecord.model_validate(data)
        return records

    def config_hashes(self) -> dict[str, str]:
        """SHA-256 of each scenario's resolved configuration, by scenario name."""
        return {name: str(self.attrs.get(key, ""))
                for name, key in self._keys("config_sha256").items()}

    def comments(self) -> dict[str, str]:
        """The comment each scenario's configuration file opened with (its question), by
        scenario name; ``""`` where the file keeps none."""
        return {name: str(self.attrs.get(key, ""))
                for name, key in self._keys("config_comment").items()}

    def as_record(self) -> dict[str, Any]:
        """A JSON-ready mapping of everything ``smasim info`` shows."""
        attrs = self.attrs
        return {
            "path": str(self.path),
            "kind": self.kind,
            "complete": self.complete,
            "dims": self.dims,
            "years": self.years,
            "scenarios": self.scenarios,
            "variables": [
                {
                    "name": v.name,
                    "dims": list(v.dims),
                    "dtype": v.dtype,
                    "units": v.units,
                    "long_name": v.long_name,
                }
                for v in self.variables
            ],
            "summary_only": self.summary_only,
            "seed": attrs.get("seed"),
            "seed_source": attrs.get("seed_source"),
            "sampler": attrs.get("sampler"),
            "bit_generator": attrs.get("bit_generator"),
            "block_size": attrs.get("block_size"),
            "n_samples": attrs.get("n_samples"),
            "float32": self.float32,
            "compressed": self.compressed,
            "smasim_version": attrs.get("smasim_version"),
            "library_versions": attrs.get(VERSIONS_ATTR),
            "version_differences": {
                name: {"written": written, "installed": installed}
                for name, (written, installed) in version_differences(self).items()
            },
            "platform": self.platform,
            "created": attrs.get("created"),
            "history": attrs.get("history"),
            "conventions": attrs.get("Conventions"),
            "config_sha256": self.config_hashes(),
            "elicitation": {name: record.model_dump(mode="json", exclude_none=True)
                            for name, record in self.elicitations().items()},
            "groups": self.groups,
        }


def file_info(path: str | Path) -> FileInfo:
    """Describe a result file, complete or not, without reading its samples.

    Parameters
    ----------
    path : str or Path
        A smasim result file, or the partial file an interrupted run left.

    Returns
    -------
    FileInfo

    Raises
    ------
    ResultFileError
        The file is missing, unreadable, truncated, or not written by smasim.
    """
    structure = read_structure(path)
    coords: Mapping[str, list[Any]] = structure["coords"]
    attrs: dict[str, Any] = structure["attrs"]
    batch = "scenario" in structure["dims"]
    if batch:
        scenarios = [str(name) for name in coords["scenario"]]
    else:
        scenarios = [str(attrs.get("scenario_names", "")).strip() or "?"]
    return FileInfo(
        path=Path(path),
        complete=structure["complete"],
        dims=structure["dims"],
        # A sensitivity file's years end with "horizon" (its totals).
        years=[int(y) for y in coords.get("year", []) if str(y).isdigit()],
        scenarios=scenarios,
        batch=batch,
        variables=[
            VariableInfo(name=name, **spec) for name, spec in structure["variables"].items()
        ],
        attrs=attrs,
        groups=structure["group_descriptions"],
    )


def stored_scenarios(info: FileInfo) -> list[Scenario]:
    """The scenarios a file was run from, validated again (the seed is :attr:`FileInfo.seed`).

    Raises
    ------
    ResultFileError
        The file lacks its configuration or seed, or was written with another block size
        or bit generator (this version could not reproduce it).
    ConfigError
        A stored configuration does not satisfy this version's contract.
    """
    block_size = info.attrs.get("block_size")
    if block_size != BLOCK_SIZE:
        raise ResultFileError(
            f"{info.path}: written with blocks of {block_size} samples; this smasim draws "
            f"blocks of {BLOCK_SIZE}, so it cannot reproduce the file"
        )
    generator = info.attrs.get("bit_generator")
    if generator != BIT_GENERATOR:
        raise ResultFileError(
            f"{info.path}: written with bit generator {generator!r}; this smasim uses "
            f"{BIT_GENERATOR!r}, so it cannot reproduce the file"
        )
    comments = info.comments()
    return [
        parse_scenario(text, source=f"{info.path} ({name}'s stored configuration)",
                       overrides=_rules_written_under(text))
        .with_comment(comments[name])
        for name, text in info.configs().items()
    ]


#: A stored configuration written before ``us_cost.offset_share`` existed (0.1) priced every
#: ROK payment as new spending: that is offset share 0 (docs/spec/MODEL.md §7), which a
#: rerun must keep, although a configuration written today has to state the key.
OFFSET_SHARE_BEFORE_THE_KEY = "us_cost.offset_share=0"


def _rules_written_under(text: str) -> tuple[str, ...]:
    """The assignments that give a stored configuration the rules its file was written under."""
    us_cost = tomllib.loads(text).get("us_cost", {})
    return () if "offset_share" in us_cost else (OFFSET_SHARE_BEFORE_THE_KEY,)
