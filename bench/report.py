"""What every benchmark report shares: the machine's description and tables."""

import os
import platform
from datetime import UTC, datetime
from pathlib import Path


def _first(path, prefix):
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":" if ":" in line else "=", 1)[1].strip()
    except OSError:
        pass
    return ""


def machine() -> dict:
    """CPU model, cores, RAM, OS, Python and the date, read from this machine."""
    memory = _first("/proc/meminfo", "MemTotal")
    ram = f"{int(memory.split()[0]) / 1_048_576:.1f} GiB" if memory else "unknown"
    system = _first("/etc/os-release", "PRETTY_NAME=").strip('"') or platform.system()
    return {
        "CPU": _first("/proc/cpuinfo", "model name") or platform.processor(),
        "cores": os.cpu_count(),
        "RAM": ram,
        "OS": f"{system}, kernel {platform.release()}",
        "Python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def machine_line() -> str:
    m = machine()
    return f"{m['cores']} cores ({m['CPU']}), {m['RAM']} RAM, {m['OS']}"


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.1f}" if abs(value) >= 1 else f"{value:.2f}"
    return str(value).replace("|", "\\|")


def markdown_table(rows: list[dict]) -> str:
    """A Markdown table of `rows`: the keys of the first row are the columns."""
    if not rows:
        return "(no rows)"
    columns = list(rows[0])
    lines = [
        "| " + " | ".join(columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c)) for c in columns) + " |")
    return "\n".join(lines)
