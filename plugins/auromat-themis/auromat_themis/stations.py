"""The THEMIS ground-based all-sky imager stations (site codes and names)."""

from __future__ import annotations

import logging
import re

from auromat_core import InputError

log = logging.getLogger(__name__)

STATIONS: dict[str, str] = {
    "atha": "Athabasca",
    "chbg": "Chibougamau",
    "ekat": "Ekati",
    "fsim": "Fort Simpson",
    "fsmi": "Fort Smith",
    "fykn": "Fort Yukon",
    "gako": "Gakona",
    "gbay": "Goose Bay",
    "gill": "Gillam",
    "inuv": "Inuvik",
    "kapu": "Kapuskasing",
    "kian": "Kiana",
    "kuuj": "Kuujjuaq",
    "mcgr": "McGrath",
    "nrsq": "Narsarsuaq",
    "pgeo": "Prince George",
    "pina": "Pinawa",
    "rank": "Rankin Inlet",
    "snap": "Snap Lake",
    "snkq": "Sanikiluaq",
    "talo": "Taloyoak",
    "tpas": "The Pas",
    "whit": "Whitehorse",
    "yknf": "Yellowknife",
}
"""The 24 stations of the THEMIS all-sky imager array: code -> place name."""

SITE_CODE = re.compile(r"[a-z0-9]{4}")
"""A THEMIS site code: four lower-case letters or digits."""


def parse_sites(sites: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Site codes from a comma-separated string or a sequence (None = all), with a warning for codes of no known station.

    Raises
    ------
    InputError
        For anything but strings, or a code that is not four letters/digits (upper case is accepted and lowered).
    """
    codes = site_codes(sites)
    unknown = [code for code in codes or () if code not in STATIONS]
    if unknown:
        log.warning("THEMIS site(s) %s are not among the %d known stations (%s); used as given",
                    ", ".join(map(repr, unknown)), len(STATIONS), ", ".join(STATIONS))
    return codes


def site_codes(sites: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...] | None:
    """:func:`parse_sites` without the warning (for checking a command-line option before its use)."""
    if sites is None:
        return None
    if not isinstance(sites, (str, list, tuple)) or not all(isinstance(item, str) for item in sites):
        raise InputError(f"sites must be site codes, comma-separated or a list such as ['gako', 'fykn'], got {sites!r}")
    items = sites.split(",") if isinstance(sites, str) else list(sites)
    codes = tuple(dict.fromkeys(item.strip().lower() for item in items if item.strip()))
    bad = [code for code in codes if not SITE_CODE.fullmatch(code)]
    if bad:
        raise InputError(f"invalid THEMIS site code(s) {', '.join(map(repr, bad))}: expected four letters such as 'gako'")
    if not codes:
        raise InputError("no THEMIS site given")
    return codes


def station_name(site: str) -> str:
    """Place name of a site code, or the code itself for a site not in :data:`STATIONS`."""
    return STATIONS.get(site, site)
