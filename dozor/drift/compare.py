"""The pure comparison: compose services on two or more hosts, grouped by how they are configured.

Per service, hosts configured alike form a group; the largest group (ties: the one with the first host
name) is the reference, and every other group is reported with what it does differently. Environment
variables are compared by name only. Compose's config hash is reported only when nothing compared here
differs (then the difference is somewhere else: volumes, networks…); otherwise it only repeats them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dozor.drift.config import Healthcheck, ServiceConfig, argv_text
from dozor.drift.models import Difference, DriftGroup, ServiceDrift

NONE = "none"
SCALARS = ("command", "entrypoint", "mem_limit", "mem_reservation", "cpus", "cpu_shares", "restart", "ports",
           "healthcheck")
"""Compared one value per host, in this order (after the image, before environment and labels)."""


def size_text(n: int | None) -> str:
    """Bytes as compose writes them: 67108864 → ``64m``; None → ``none``."""
    if not n:
        return NONE
    for unit, factor in (("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)):
        if n % factor == 0:
            return f"{n // factor}{unit}"
    return f"{n}b"


def _secs(value: float | None) -> str:
    return f"{value:g}s" if value is not None else "-"


def healthcheck_text(hc: Healthcheck | None) -> str:
    """``CMD true every 5s timeout 2s retries 3``; ``none`` when the container has none."""
    if hc is None:
        return NONE
    if hc.test and hc.test[0] == "NONE":
        return "disabled"
    test = " ".join(hc.test)
    parts = [test, f"every {_secs(hc.interval)}", f"timeout {_secs(hc.timeout)}", f"retries {hc.retries or '-'}"]
    if hc.start_period:
        parts.append(f"start {_secs(hc.start_period)}")
    return " ".join(parts)


def _scalar(c: ServiceConfig, name: str) -> str:
    if name in ("command", "entrypoint"):
        return argv_text(getattr(c, name))
    if name in ("mem_limit", "mem_reservation"):
        return size_text(getattr(c, name))
    if name == "cpus":
        return f"{c.cpus:g}" if c.cpus else NONE
    if name == "cpu_shares":
        return str(c.cpu_shares) if c.cpu_shares else NONE
    if name == "restart":
        return c.restart_policy
    if name == "ports":
        return ", ".join(c.ports) or NONE
    return healthcheck_text(c.healthcheck)


def _joined(values: Iterable[str]) -> str:
    """One host's value: its replicas' values, each once (``a | b`` when replicas disagree)."""
    return " | ".join(sorted(set(values)))


@dataclass(frozen=True)
class HostView:
    """One service on one host, as compared."""

    image: str
    image_id: str
    scalars: tuple[str, ...]
    env: frozenset[str]
    labels: tuple[tuple[str, str], ...]
    config_hash: str

    @classmethod
    def of(cls, replicas: Sequence[ServiceConfig]) -> HostView:
        keys = sorted({k for c in replicas for k in c.labels})
        return cls(
            image=_joined(c.image for c in replicas),
            image_id=_joined(c.image_id for c in replicas),
            scalars=tuple(_joined(_scalar(c, n) for c in replicas) for n in SCALARS),
            env=frozenset(n for c in replicas for n in c.env_names),
            labels=tuple((k, _joined(c.labels[k] for c in replicas if k in c.labels)) for k in keys),
            config_hash=_joined(c.config_hash or "" for c in replicas),
        )


def short_id(image_id: str) -> str:
    """``sha256:f1a3d349d6e1…`` → ``f1a3d349d6e1``."""
    return image_id.removeprefix("sha256:")[:12] or "-"


def _repo_tag(ref: str) -> tuple[str, str | None]:
    head, sep, tag = ref.rpartition(":")
    if not sep or "/" in tag or "@" in ref:
        return ref, None
    return head, tag


def image_difference(value: HostView, ref: HostView) -> Difference | None:
    """The image, by reference and by ID: 'image shop-api:1.4.2 vs 1.4.1 (id 1a2b… vs 3c4d…)'."""
    same_ref, same_id = value.image == ref.image, value.image_id == ref.image_id
    if same_ref and same_id:
        return None
    ids = f"{short_id(value.image_id)} vs {short_id(ref.image_id)}"
    if same_ref:
        text = f"image {value.image} is another build: id {ids}"
    else:
        (repo_v, _), (repo_r, tag_r) = _repo_tag(value.image), _repo_tag(ref.image)
        shown_ref = tag_r if repo_v == repo_r and tag_r is not None else ref.image
        text = f"image {value.image} vs {shown_ref} " + (f"(id {ids})" if not same_id else "(same image id)")
    return Difference(field="image", value=f"{value.image} ({value.image_id})",
                      reference=f"{ref.image} ({ref.image_id})", text=text)


def differences(value: HostView, ref: HostView, hosts: Sequence[str]) -> list[Difference]:
    """What ``value`` (the view of ``hosts``) does differently from ``ref``."""
    where = ", ".join(hosts)
    out: list[Difference] = []
    if (image := image_difference(value, ref)) is not None:
        out.append(image)
    for name, v, r in zip(SCALARS, value.scalars, ref.scalars, strict=True):
        if v != r:
            out.append(Difference(field=name, value=v, reference=r, text=f"{name} {v} vs {r}"))
    for n in sorted(value.env - ref.env):
        out.append(Difference(field="env", name=n, value="set", text=f"env {n} only on {where}"))
    for n in sorted(ref.env - value.env):
        out.append(Difference(field="env", name=n, reference="set", text=f"env {n} missing on {where}"))
    mine, theirs = dict(value.labels), dict(ref.labels)
    for k in sorted(mine.keys() | theirs.keys()):
        v, r = mine.get(k), theirs.get(k)
        if v == r:
            continue
        if r is None:
            text = f"label {k}={v} only on {where}"
        elif v is None:
            text = f"label {k} missing on {where}"
        else:
            text = f"label {k} {v} vs {r}"
        out.append(Difference(field="label", name=k, value=v, reference=r, text=text))
    if not out and value.config_hash != ref.config_hash:
        out.append(Difference(
            field="config_hash", value=value.config_hash or None, reference=ref.config_hash or None,
            text=f"compose config-hash {value.config_hash[:12] or NONE} vs {ref.config_hash[:12] or NONE} "
                 "(a difference not compared here: volumes, networks, …)",
        ))
    return out


def service_drift(project: str, service: str, per_host: dict[str, list[ServiceConfig]]) -> ServiceDrift | None:
    """The drift of one service across the hosts in ``per_host``; None when they are all alike."""
    views = {h: HostView.of(sorted(cs, key=lambda c: (c.container_number or 0, c.container)))
             for h, cs in per_host.items()}
    alike: dict[HostView, list[str]] = defaultdict(list)
    for h in sorted(views):
        alike[views[h]].append(h)
    if len(alike) < 2:
        return None
    ordered = sorted(alike.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
    ref_view, ref_hosts = ordered[0]
    groups = [DriftGroup(hosts=hosts, reference_hosts=ref_hosts, differences=differences(view, ref_view, hosts))
              for view, hosts in sorted(ordered[1:], key=lambda kv: kv[1][0])]
    return ServiceDrift(project=project, service=service, hosts=sorted(views), groups=groups)


def by_service(configs: Iterable[ServiceConfig]) -> dict[tuple[str, str], dict[str, list[ServiceConfig]]]:
    """(project, service) → host → its containers' configurations."""
    out: dict[tuple[str, str], dict[str, list[ServiceConfig]]] = defaultdict(lambda: defaultdict(list))
    for c in configs:
        out[(c.project, c.service)][c.host].append(c)
    return out


def compare(configs: Iterable[ServiceConfig]) -> tuple[list[str], int, list[ServiceDrift]]:
    """Services on two or more hosts (``project/service``), how many run on one host only, and the drift."""
    compared: list[str] = []
    single = 0
    drift: list[ServiceDrift] = []
    for (project, service), per_host in sorted(by_service(configs).items()):
        if len(per_host) < 2:
            single += 1
            continue
        compared.append(f"{project}/{service}")
        if (d := service_drift(project, service, per_host)) is not None:
            drift.append(d)
    return compared, single, drift


__all__ = ["HostView", "compare", "differences", "healthcheck_text", "image_difference", "service_drift",
           "short_id", "size_text"]
