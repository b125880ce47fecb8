"""How every command writes a figure: one formatter. Standard library only."""


def unit_of(metric, time_unit="ns"):
    """The unit a counter (or Google Benchmark's real_time) is measured in."""
    if metric.endswith("_per_second"):
        return "/s"
    if metric.endswith("_pct"):
        return "%"
    if metric == "real_time":
        return time_unit
    if metric.endswith("_ns") or metric.endswith("_ns_per_item"):
        return "ns"
    return ""


def human(value, unit):
    """3 significant figures with a scale: 1.02 µs, 38.8M/s, 0.50%; '-' for None."""
    if value is None:
        return "-"
    if unit == "/s":
        for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if value >= scale:
                return f"{value / scale:.3g}{suffix}/s"
        return f"{value:.0f}/s"
    if unit == "%":
        return f"{value:.2f}%"
    if unit != "ns":
        return f"{value:.4g}"
    if value >= 1e6:
        return f"{value / 1e6:.3g} ms"
    if value >= 1e3:
        return f"{value / 1e3:.3g} µs"
    return f"{value:.0f} ns"


def human_precise(ns):
    """Like human() for ns, with a decimal below 1 µs (the virtual hop is a few ns)."""
    return f"{ns:.1f} ns" if ns < 1e3 else human(ns, "ns")


def short(params):
    """'/producers:1/workers:2/work_ns:0/batch:1' -> 'P1 W2 work 0ns batch 1'."""
    words = []
    for part in params.strip("/").split("/"):
        if not part:
            continue
        key, _, value = part.partition(":")
        if key in ("producers", "workers"):
            words.append(key[0].upper() + value)
        elif key == "work_ns":
            words.append(f"work {value}ns")
        elif key == "rate":
            words.append(f"rate {value}/s")
        else:
            words.append(f"{key} {value}")
    return " ".join(words)
