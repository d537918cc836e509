"""What a file records about itself, laid out for people: the text ``smasim info`` prints.

The facts come from :func:`simcore.io.provenance.file_info` (metadata only, never the
samples); ``smasim info --format json`` prints the same facts as
:meth:`~simcore.io.provenance.FileInfo.as_record`.
"""

from __future__ import annotations

from pathlib import Path

from simcore.config.schema import ElicitationRecord
from simcore.io.layout import OTHER_KINDS
from simcore.io.provenance import FileInfo, file_info, version_differences

#: Facts a file that is not a run (a sensitivity or backtest file) does not carry.
RUN_ONLY_FACTS = frozenset({"sampler", "storage"})


def describe_elicitation(record: ElicitationRecord) -> str:
    """Whose judgment a scenario holds, on one line: title, date, experts and weights, pool,
    judgments, and the elicitation file with its SHA-256."""
    experts = ", ".join(f"{e.name} {e.weight:.3g}" for e in record.experts)
    judgments = ", ".join(j.judgment for j in record.judgments)
    return (f"{record.title}" + (f" ({record.date})" if record.date else "")
            + f": {record.pool} pool of {len(record.experts)} experts ({experts}); "
            f"judgments {judgments}; from {record.source} (sha256 {record.sha256[:12]}…)")


def info_facts(info: FileInfo) -> list[tuple[str, str]]:
    """The file's facts as (label, value) rows, in the order ``smasim info`` shows them.

    A file that is not a run shows only the facts it carries (no sampler, storage or run
    history). A ``versions`` row appears only when recorded library versions differ from the
    installed ones (:func:`~simcore.io.provenance.version_differences`).
    """
    attrs = info.attrs
    years = f" ({info.years[0]}–{info.years[-1]})" if info.years else ""
    dims = ", ".join(
        f"{name} = {size:,}{years if name == 'year' else ''}" for name, size in info.dims.items()
    )
    status = (
        "yes" if info.complete
        else "NO: the run did not finish (interrupted, or still running); do not use its values"
    )
    facts = [
        ("complete", status),
        ("dimensions", dims),
        ("scenarios", ", ".join(info.scenarios)),
        ("seed", f"{attrs.get('seed')} (from {attrs.get('seed_source', '?')})"),
        ("sampler", f"{attrs.get('sampler')}, {attrs.get('bit_generator')} streams, "
                    f"blocks of {attrs.get('block_size', 0):,} samples"),
        ("storage", ("float32" if info.float32 else "float64")
                    + (", zlib-compressed" if info.compressed else ", uncompressed")),
        ("created", str(attrs.get("created", "?"))),
        ("history", str(attrs.get("history", "?"))),
        ("smasim", str(attrs.get("smasim_version", "?"))),
        ("libraries", str(attrs.get("library_versions", "?"))),
    ]
    differences = version_differences(info)
    if differences:
        changed = ", ".join(f"{name} {written} → {installed}"
                            for name, (written, installed) in differences.items())
        facts.append(("versions", f"differ from this installation (written → installed): "
                                  f"{changed}; a rerun here may differ in the last bits"))
    recorded = info.platform
    facts += [
        ("platform", ", ".join(recorded[name] for name in
                               ("platform", "platform_cpu", "platform_python") if name in recorded)
                     or "?"),
        ("blas", recorded.get("platform_blas", "?")),
        ("conventions", str(attrs.get("Conventions", "?"))),
    ]
    facts += [
        (f"config sha256{'' if not info.batch else f' ({name})'}", digest)
        for name, digest in info.config_hashes().items()
    ]
    facts += [
        (f"elicitation{'' if not info.batch else f' ({name})'}", describe_elicitation(record))
        for name, record in info.elicitations().items()
    ]
    facts += _exploration(info)
    if info.kind in OTHER_KINDS:
        facts = [(label, value) for label, value in facts
                 if label not in RUN_ONLY_FACTS and value.strip() not in {"", "?", "None"}]
    return facts


def _exploration(info: FileInfo) -> list[tuple[str, str]]:
    """What an exploration's ``explore`` group says of its design (``smasim explore``)."""
    group = info.groups.get("explore")
    if group is None:
        return []
    attrs = group["attrs"]
    levers = int(attrs.get("lever_combinations", 1))
    facts = [("exploration", f"{attrs.get('design')} design of {attrs.get('points')} points"
              + (f" x {levers} lever combinations" if attrs.get("lever_keys") else "")
              + f" (design seed {attrs.get('design_seed')}); read it with smasim discover "
              "or smasim robust")]
    facts += [(f"varies {spec['key']}", str(spec.get("distribution", "")))
              for name, spec in group["variables"].items() if name.startswith("vary_")]
    facts += [("lever", lever) for lever in str(attrs.get("levers", "")).split()]
    facts += [("threshold", text) for text in str(attrs.get("thresholds", "")).split()]
    facts.append(("per-point statistics", str(attrs.get("variables", ""))))
    return facts


def file_facts(path: str | Path) -> list[tuple[str, str]]:
    """The file, then its facts (:func:`info_facts`): what a workbook's about sheet says of
    the result file its numbers come from."""
    return [("result file", str(path)), *info_facts(file_info(path))]


def info_text(info: FileInfo) -> str:
    """``smasim info`` as aligned text: what the file is, one fact per line, variables last."""
    if info.kind in OTHER_KINDS:
        header = (f"{info.path}: smasim {info.kind} file, not a run (read it with "
                  f"{OTHER_KINDS[info.kind]})")
    else:
        header = f"{info.path}: smasim result file"
    facts = info_facts(info)
    width = max(len(label) for label, _ in facts)
    lines = [header]
    lines += [f"  {label:<{width}}  {value}" for label, value in facts]
    lines.append("  variables with paths" if info.summary_only else "  variables")
    name_width = max((len(v.name) for v in info.variables), default=0)
    dims_width = max((len(", ".join(v.dims)) + 2 for v in info.variables), default=0)
    for var in info.variables:
        shape = f"({', '.join(var.dims)})"
        lines.append(
            f"    {var.name:<{name_width}}  {shape:<{dims_width}}  {var.dtype:<7}  "
            f"{var.units:<7}  {var.long_name}"
        )
    if info.summary_only:
        lines.append("  summary only (no paths: the run used --store)")
        lines += [f"    {name}" for name in info.summary_only]
    return "\n".join(lines)
