"""Client of the ESA ISS aurora archive (reference §11.1).

For sequence ``N`` the archive answers ``GET <base><N>`` with ``api.json``,
which names every other file by URL. A sequence is cached in its own folder
(by convention ``seq-N``)::

    api.json        GET <base><N>
    metadata.json   GET <api.metadata_uri>
    bad_pixels.gz   GET <api.raw_bad_pixels_uri>          (RAW only)
    <key>.nef       GET <images.<key>.raw_uri>             (RAW; extension from api.raw_extension)
    <key>.jpg       GET <images.<key>.image_uri>           (otherwise; api.image_extension)
    <key>.wcs       GET <images.<key>.wcs_uri>             (renamed from the server's name)

Only missing files are requested; downloads retry, resume and are atomic
(:func:`auromat_core.download.download_file`). A downloaded file must look like
what it is (a JSON object, gzip, FITS, a JPEG or TIFF-based RAW image, by
extension, see :data:`CONTENT_CHECKS`): anything else, such as a maintenance page, is
a failed file that is not kept, and a cached file that fails the check is
downloaded again. Offline, nothing is requested and
a missing file is a :class:`~auromat_core.NoDataError` naming it. Every value
of a key ``date``, ``date_start`` or ``date_end`` in either JSON document is
parsed as a naive UTC datetime (``%Y-%m-%dT%H:%M:%S.%f``; the fraction may be
left out). The base URL defaults to ESA's archive and can be set with
``base_url`` or the environment variable ``AUROMAT_ESA_ISS_URL``.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Mapping as MappingABC
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import attrs
import requests

from auromat_core import InputError, NoDataError, as_utc
from auromat_core.download import (
    FITS,
    GZIP,
    JPEG,
    TIFF,
    ContentCheck,
    DownloadSummary,
    check_base_url,
    download_all,
    download_file,
    is_present,
    new_session,
    redact_url,
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://arrrgh-tools.cosmos.esa.int/api/georef_seqs/"
BASE_URL_ENV = "AUROMAT_ESA_ISS_URL"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
DATE_KEYS = frozenset({"date", "date_start", "date_end"})
API_FILE = "api.json"
METADATA_FILE = "metadata.json"
BAD_PIXELS_FILE = "bad_pixels.gz"
WCS_EXTENSION = ".wcs"
DISTORTION_MODELS = {"ptlens": 3, "poly3": 1, "poly5": 2}
"""Lens distortion models of ``distortion_correction`` and their number of parameters."""


def _json_object(path: Path) -> str | None:
    """The :data:`~auromat_core.download.ContentCheck` of ``api.json`` and ``metadata.json``."""
    with open(path, "rb") as handle:
        head = handle.read(64).lstrip()
    return None if head.startswith(b"{") else "a JSON object"


CONTENT_CHECKS: dict[str, ContentCheck] = {
    ".json": _json_object,
    ".gz": GZIP,
    WCS_EXTENSION: FITS,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".dng": TIFF,
    ".nef": TIFF,
    ".tif": TIFF,
    ".tiff": TIFF,
}
"""What a downloaded file must look like, by its lower-case extension (other RAW formats are only refused as HTML pages)."""

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]+")


def default_base_url() -> str:
    """``$AUROMAT_ESA_ISS_URL`` or ESA's archive."""
    return os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL


def sequence_folder(sequence_id: int | str, root: str | os.PathLike = ".") -> Path:
    """The conventional cache folder ``<root>/seq-<id>`` of a sequence."""
    return Path(root) / f"seq-{sequence_id}"


def _parse_date(value: Any, where: str, path: Path) -> datetime:
    if isinstance(value, str):
        for pattern in (DATE_FORMAT, "%Y-%m-%dT%H:%M:%S"):
            try:
                return datetime.strptime(value, pattern)
            except ValueError:
                pass
    raise InputError(f"{path}: {where} {value!r} is not a timestamp YYYY-mm-ddTHH:MM:SS.ffffff")


def _parse_dates(node: Any, location: tuple[str | int, ...], path: Path) -> Any:
    """``node`` with the values of date keys parsed, recursively; ``location`` names it in errors."""
    if isinstance(node, dict):
        return {
            key: _parse_date(value, _field_name(location, key), path) if key in DATE_KEYS
            else _parse_dates(value, (*location, key), path)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_parse_dates(value, (*location, index), path) for index, value in enumerate(node)]
    return node


def _field_name(location: tuple[str | int, ...], key: str) -> str:
    """``images['K'].date`` for the location ``("images", "K")`` and the key ``date``."""
    if not location:
        return key
    return str(location[0]) + "".join(f"[{part!r}]" for part in location[1:]) + f".{key}"


def load_json(path: str | os.PathLike) -> Any:
    """A JSON document with every ``date``/``date_start``/``date_end`` value parsed as a datetime.

    Raises
    ------
    InputError
        Naming the file (and the field): unreadable, not JSON, or a date that is not a timestamp.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        raise NoDataError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read ({error})") from None
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: not valid JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
    return _parse_dates(document, (), path)


@attrs.frozen
class ArchiveImage:
    """One image of a sequence as ``api.json`` lists it."""

    key: str
    """Image key, e.g. ``ISS030-E-122539``: the mapping identifier and local file name."""
    time: datetime
    """Photo time (naive UTC)."""
    wcs_uri: str
    raw_uri: str | None
    image_uri: str | None


@attrs.frozen
class DistortionCorrection:
    """Lens distortion model of a sequence (lensfun ``ptlens``, ``poly3`` or ``poly5``)."""

    model: str
    params: tuple[float, ...]


class IssArchive:
    """One sequence of the ESA ISS archive, cached in a local folder.

    ``api.json`` and ``metadata.json`` are read (and fetched when missing) on
    construction; images, WCS solutions and the bad-pixel list on demand.

    Parameters
    ----------
    folder
        The sequence's cache folder (created with the first download), e.g. ``seq-77``.
    sequence_id
        Archive id of the sequence; needed only while ``api.json`` is not cached.
    base_url
        API root; ``<base_url><id>`` is ``api.json``. Default :func:`default_base_url`.
    use_raw
        Use the RAW files (and bad pixels) if the sequence has them, else the
        processed images.
    offline
        Never send a request; a missing file raises :class:`~auromat_core.NoDataError`.
    session
        A requests session to reuse.
    progress
        Show byte progress bars.
    retries, backoff, timeout
        Passed to :func:`auromat_core.download.download_file`.

    Raises
    ------
    InputError
        ``api.json``/``metadata.json`` malformed (naming the file and field), or
        no ``sequence_id`` although ``api.json`` must be fetched, or a ``base_url``
        with a query or fragment (:func:`auromat_core.download.check_base_url`).
    NoDataError
        Offline and a needed file is missing.
    DownloadError
        A file could not be fetched.
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        sequence_id: int | str | None = None,
        base_url: str | None = None,
        use_raw: bool = True,
        offline: bool = False,
        session: requests.Session | None = None,
        progress: bool = True,
        retries: int = 3,
        backoff: float = 1.0,
        timeout: float = 60.0,
    ) -> None:
        self.folder = Path(folder)
        self.sequence_id = None if sequence_id is None else str(sequence_id)
        self.base_url = check_base_url(base_url or default_base_url()) + "/"
        self.offline = bool(offline)
        self.progress = progress
        self._download_options = {"retries": retries, "backoff": backoff, "timeout": timeout}
        self._session = session
        self._own_session = session is None
        self.fetched: list[Path] = []
        """Files this object downloaded."""
        self.api = self._read_api()
        self.use_raw = bool(use_raw) and "raw_extension" in self.api
        self.images = self._parse_images()
        self._by_key = {image.key: image for image in self.images}
        self.raw_extension = self._extension("raw_extension") if self.use_raw else None
        self.image_extension = self.raw_extension or self._extension("image_extension")
        self.distortion_correction = self._distortion() if self.use_raw else None
        self.metadata = self._read_metadata()

    # -- paths ------------------------------------------------------------------------

    @property
    def api_path(self) -> Path:
        return self.folder / API_FILE

    @property
    def metadata_path(self) -> Path:
        return self.folder / METADATA_FILE

    @property
    def bad_pixels_path(self) -> Path:
        return self.folder / BAD_PIXELS_FILE

    def image_path(self, key: str) -> Path:
        """Local path of the RAW or processed image of ``key``."""
        return self.folder / f"{key}{self.image_extension}"

    def wcs_path(self, key: str) -> Path:
        """Local path of the WCS solution of ``key``."""
        return self.folder / f"{key}{WCS_EXTENSION}"

    @property
    def api_url(self) -> str | None:
        """``<base_url><id>``, or None when the id is not known."""
        return None if self.sequence_id is None else f"{self.base_url}{self.sequence_id}"

    # -- sequence description --------------------------------------------------------------

    @property
    def range(self) -> tuple[datetime, datetime]:
        """``date_start`` and ``date_end`` of ``api.json``."""
        return self.api["date_start"], self.api["date_end"]

    def image(self, key: str) -> ArchiveImage:
        """The ``api.json`` entry of ``key``."""
        if key in self._by_key:
            return self._by_key[key]
        raise NoDataError(f"{self.api_path}: no image {key!r} in the sequence")

    def select(self, start: datetime | None = None, end: datetime | None = None) -> list[ArchiveImage]:
        """Images with ``start <= time <= end`` (None = open), ordered by time."""
        first = None if start is None else as_utc(start)
        last = None if end is None else as_utc(end)
        return [
            image for image in self.images
            if (first is None or image.time >= first) and (last is None or image.time <= last)
        ]

    @property
    def white_balance(self) -> tuple[float, float, float, float]:
        """``raw_white_balance``: the sequence's 4 RAW multipliers ``(R, G, B, G2)``."""
        values = self.api.get("raw_white_balance")
        if (
            not isinstance(values, list) or len(values) != 4
            or not all(_is_number(v) and math.isfinite(v) and v > 0 for v in values)
        ):
            raise self._field_error("raw_white_balance", values, "a list of 4 positive numbers [R, G, B, G2]")
        return tuple(float(v) for v in values)  # type: ignore[return-value]

    @property
    def upside_down(self) -> bool:
        """``raw_is_upside_down``: the RAW images must be rotated by 180°."""
        value = self.api.get("raw_is_upside_down", False)
        if not isinstance(value, bool):
            raise self._field_error("raw_is_upside_down", value, "true or false")
        return value

    def metadata_for(self, key: str) -> dict[str, Any]:
        """``sequence_metadata`` overlaid by ``image_metadata[key]``, as storable scalars.

        Datetimes become ISO 8601 strings and nulls are left out, so every value
        is a str, int, float or bool (what CDF/netCDF global attributes hold).
        """
        per_image = self.metadata["image_metadata"]
        if key not in per_image:
            raise InputError(f"{self.metadata_path}: image_metadata has no entry for image {key!r}")
        merged = {**self.metadata["sequence_metadata"], **per_image[key]}
        values: dict[str, Any] = {}
        for name, value in merged.items():
            if isinstance(value, datetime):
                value = value.isoformat()
            elif value is None:
                continue
            elif not isinstance(value, (str, int, float, bool)):
                where = "sequence_metadata" if name not in per_image[key] else f"image_metadata[{key!r}]"
                raise InputError(
                    f"{self.metadata_path}: {where}[{name!r}] must be a string, number or boolean, got "
                    f"{type(value).__name__}"
                )
            values[name] = value
        return values

    # -- downloading --------------------------------------------------------------------

    def ensure_image(self, key: str) -> tuple[Path, Path]:
        """Image and WCS paths of ``key``, fetching whichever is missing."""
        image = self.image(key)
        uri = image.raw_uri if self.use_raw else image.image_uri
        image_path = self._fetch(uri, self.image_path(key), f"image {key}")
        wcs_path = self._fetch(image.wcs_uri, self.wcs_path(key), f"WCS solution of {key}")
        return image_path, wcs_path

    def ensure_bad_pixels(self) -> Path | None:
        """The sequence's bad-pixel list (RAW only), fetched when missing; None when ``api.json`` names none."""
        if not self.use_raw:
            raise InputError(f"{self.api_path}: bad pixels are only used with RAW images")
        uri = self.api.get("raw_bad_pixels_uri")
        if uri is None and not self.bad_pixels_path.exists():
            log.warning("%s has no raw_bad_pixels_uri: the RAW images are developed without repairing bad pixels", self.api_path)
            return None
        return self._fetch(uri, self.bad_pixels_path, "bad-pixel list")

    def download(self, start: datetime | None = None, end: datetime | None = None) -> DownloadSummary:
        """Fetch everything missing for the images of ``start``..``end`` (inclusive).

        Failed files are collected in the summary (the others are still
        fetched); offline, a missing file raises :class:`~auromat_core.NoDataError`.
        The summary also counts ``api.json`` and ``metadata.json``, fetched
        when the archive is first read; the progress bar only the files after them.
        """
        summary = DownloadSummary()
        for path in (self.api_path, self.metadata_path):
            (summary.downloaded if path in self.fetched else summary.present).append(path)
        jobs: list[tuple[str | None, Path, str]] = []
        if self.use_raw and self.api.get("raw_bad_pixels_uri") is not None:
            jobs.append((self.api["raw_bad_pixels_uri"], self.bad_pixels_path, "bad-pixel list"))
        for image in self.select(start, end):
            uri = image.raw_uri if self.use_raw else image.image_uri
            jobs.append((uri, self.image_path(image.key), f"image {image.key}"))
            jobs.append((image.wcs_uri, self.wcs_path(image.key), f"WCS solution of {image.key}"))
        sources = {path: (uri, what) for uri, path, what in jobs}

        def fetch(path: Path) -> bool:
            uri, what = sources[path]
            self._fetch(uri, path, what)
            return True

        checks = {path: CONTENT_CHECKS.get(path.suffix.lower()) for path in sources}
        download_all(list(sources), fetch, f"ISS {self.folder.name}", self.progress, summary, expect=checks)
        log.info("ISS sequence %s: %s, %s and %s included", self.folder, summary, API_FILE, METADATA_FILE)
        return summary

    def close(self) -> None:
        """Close the HTTP session this object opened."""
        if self._own_session and self._session is not None:
            self._session.close()
            self._session = None

    def __enter__(self) -> IssArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_session"], state["_own_session"] = None, True
        return state

    def _fetch(self, uri: str | None, path: Path, what: str) -> Path:
        expect = CONTENT_CHECKS.get(path.suffix.lower())
        if self.offline:  # a cached file failing its check is kept: it cannot be downloaded again
            if not path.is_file():
                raise NoDataError(f"{path}: {what} is not in the cache and offline mode forbids downloading it")
            expected = expect(path) if expect else None
            if expected is not None:
                raise InputError(f"{path}: the cached {what} is not {expected}, and offline mode forbids downloading it again")
            return path
        if is_present(path, expect):
            return path
        if not isinstance(uri, str) or not uri:
            raise InputError(f"{self.api_path}: no URL for the {what}")
        url = urljoin(self.api_url or self.base_url, uri)
        log.info("downloading %s -> %s", redact_url(url), path)
        if self._session is None:
            self._session = new_session()
        download_file(url, path, session=self._session, progress=self.progress, expect=expect, **self._download_options)
        self.fetched.append(path)
        return path

    # -- reading and validating the JSON documents ----------------------------------------

    def _read_api(self) -> dict[str, Any]:
        if not self.api_path.exists() and not self.offline and self.sequence_id is None:
            raise InputError(f"{self.api_path} is not cached yet: give the sequence id to download it")
        self._fetch(self.api_url, self.api_path, "sequence description")
        api = load_json(self.api_path)
        if not isinstance(api, dict):
            raise InputError(f"{self.api_path}: expected a JSON object")
        for key in ("date_start", "date_end"):
            if not isinstance(api.get(key), datetime):
                raise self._field_error(key, api.get(key), "a timestamp YYYY-mm-ddTHH:MM:SS.ffffff")
        stored_id = api.get("id")
        if stored_id is not None and self.sequence_id is not None and str(stored_id) != self.sequence_id:
            raise InputError(f"{self.api_path} describes sequence {stored_id}, not {self.sequence_id}: use another folder")
        if api["date_end"] < api["date_start"]:
            raise InputError(f"{self.api_path}: date_end {api['date_end']} is before date_start {api['date_start']}")
        if not isinstance(api.get("images"), dict):
            raise self._field_error("images", api.get("images"), "an object of image key -> image")
        return api

    def _parse_images(self) -> list[ArchiveImage]:
        images = []
        for key, entry in self.api["images"].items():
            if not _SAFE_NAME.fullmatch(key):
                raise InputError(f"{self.api_path}: image key {key!r} is not a plain file name")
            if not isinstance(entry, dict):
                raise InputError(f"{self.api_path}: images[{key!r}] must be an object")
            where = f"images[{key!r}]"
            time = entry.get("date")
            if not isinstance(time, datetime):
                raise InputError(f"{self.api_path}: {where}.date {time!r} is not a timestamp YYYY-mm-ddTHH:MM:SS.ffffff")
            images.append(ArchiveImage(
                key=key,
                time=time,
                wcs_uri=self._uri(entry, "wcs_uri", where),
                raw_uri=self._uri(entry, "raw_uri", where) if self.use_raw else None,
                image_uri=None if self.use_raw else self._uri(entry, "image_uri", where),
            ))
        images.sort(key=lambda image: (image.time, image.key))
        start, end = self.range
        outside = [image.key for image in images if not start <= image.time <= end]
        if outside:
            log.warning("%s: images %s lie outside date_start..date_end", self.api_path, ", ".join(outside))
        return images

    def _uri(self, entry: MappingABC[str, Any], field: str, where: str) -> str:
        value = entry.get(field)
        if not isinstance(value, str) or not value:
            raise InputError(f"{self.api_path}: {where}.{field} must be a URL, found {value!r}")
        return value

    def _extension(self, field: str) -> str:
        value = self.api.get(field)
        if not isinstance(value, str) or not _EXTENSION.fullmatch(value):
            raise self._field_error(field, value, "a file extension with a leading dot, e.g. '.nef'")
        return value

    def _distortion(self) -> DistortionCorrection | None:
        value = self.api.get("distortion_correction")
        if value is None or value is False:
            return None
        expected = "null, false or {model: ptlens|poly3|poly5, params: [numbers]}"
        if not isinstance(value, dict):
            raise self._field_error("distortion_correction", value, expected)
        model, params = value.get("model"), value.get("params")
        if model not in DISTORTION_MODELS or not isinstance(params, list) or not all(_is_number(p) for p in params):
            raise self._field_error("distortion_correction", value, expected)
        if len(params) != DISTORTION_MODELS[model]:
            raise self._field_error("distortion_correction", value, f"{DISTORTION_MODELS[model]} params for {model}")
        return DistortionCorrection(model, tuple(float(p) for p in params))

    def _read_metadata(self) -> dict[str, Any]:
        self._fetch(self.api.get("metadata_uri"), self.metadata_path, "metadata")
        document = load_json(self.metadata_path)
        if not isinstance(document, dict):
            raise InputError(f"{self.metadata_path}: expected an object with sequence_metadata and image_metadata")
        sequence = document.get("sequence_metadata", {})
        per_image = document.get("image_metadata", {})
        if not isinstance(sequence, dict):
            raise InputError(f"{self.metadata_path}: sequence_metadata must be an object")
        if not isinstance(per_image, dict) or not all(isinstance(v, dict) for v in per_image.values()):
            raise InputError(f"{self.metadata_path}: image_metadata must be an object of image key -> object")
        return {"sequence_metadata": sequence, "image_metadata": per_image}

    def _field_error(self, field: str, value: Any, expected: str) -> InputError:
        shown = value.isoformat() if isinstance(value, datetime) else repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return InputError(f"{self.api_path}: field {field} must be {expected}, found {shown}")

    def __repr__(self) -> str:
        return f"IssArchive({str(self.folder)!r})"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


__all__ = [
    "API_FILE",
    "BAD_PIXELS_FILE",
    "BASE_URL_ENV",
    "CONTENT_CHECKS",
    "DATE_FORMAT",
    "DEFAULT_BASE_URL",
    "METADATA_FILE",
    "ArchiveImage",
    "DistortionCorrection",
    "IssArchive",
    "default_base_url",
    "load_json",
    "sequence_folder",
]
