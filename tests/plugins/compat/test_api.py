"""The compat API itself: bounding boxes (the original's test values), errors, lazy mappings, console scripts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from auromat_core import InputError, NoDataError
from auromat_core.boundingbox import BoundingBox as CoreBoundingBox


def test_bounding_box_center_and_size() -> None:
    from auromat.mapping.mapping import BoundingBox

    box = BoundingBox(latSouth=-60, lonWest=80, latNorth=-30, lonEast=85)
    assert (box.latSouth, box.lonWest, box.latNorth, box.lonEast) == (-60, 80, -30, 85)
    # values of the original's boundingbox_test
    assert box.center.lat == pytest.approx(-45.03119418083877, abs=1e-6) and box.center.lon == pytest.approx(82.5)
    assert box.size.width == pytest.approx(482.39311013217343, abs=1e-6)
    assert box.size.height == pytest.approx(3336.5953086140203, abs=1e-6)
    pole = BoundingBox(60, -180, 90, 180)
    assert pole.containsPole and pole.containsDiscontinuity
    assert tuple(pole.center) == (90, 0) and pole.size.width == pytest.approx(6695.78581964, abs=1e-6)
    assert repr(box) == "BoundingBox(latSouth=-60.0, lonWest=80.0, latNorth=-30.0, lonEast=85.0)"
    assert box == CoreBoundingBox(-60, 80, -30, 85) and hash(box) == hash(BoundingBox(-60, 80, -30, 85))
    assert box != BoundingBox(-60, 80, -30, 86)
    with pytest.raises(ValueError, match="lat_south"):
        BoundingBox(100, 0, 10, 10)


def test_merged_bounding_boxes() -> None:
    from auromat.mapping.mapping import BoundingBox

    merged = BoundingBox.mergedBoundingBoxes([BoundingBox(-55, 95, -45, 109), BoundingBox(44, -164, 74, -35)])
    assert isinstance(merged, BoundingBox)
    assert (merged.latSouth, merged.lonWest, merged.latNorth, merged.lonEast) == (-55, 95, 74, -35)
    assert merged.containsDiscontinuity and not merged.containsPole
    assert merged.center.lat == pytest.approx(21.136113246, abs=1e-6) and merged.center.lon == pytest.approx(-150)
    minimum = BoundingBox.minimumBoundingBox([[10, 170], [20, -170]])
    assert (minimum.lonWest, minimum.lonEast) == (170, -170)


def test_no_mapping_error_is_what_both_apis_expect() -> None:
    from auromat.mapping.mapping import NoMappingError

    error = NoMappingError("nothing")
    assert isinstance(error, ValueError) and isinstance(error, NoDataError) and isinstance(error, LookupError)


def test_lazy_mappings_and_lookups(seq_folder: Path) -> None:
    from auromat.mapping.mapping import MaskByElevationProvider, NoMappingError
    from auromat.mapping.spacecraft import SpacecraftMappingProvider

    provider = SpacecraftMappingProvider(str(seq_folder), str(seq_folder))
    first, last = provider.range
    assert provider.maxTimeOffset == 3 and provider.contains(first) and not provider.contains(datetime(2011, 9, 18))
    mapping = provider.get(first)  # nothing is mapped yet: the placeholder image is never read
    assert mapping.identifier == "ISS029-E-8493"
    assert mapping.wcsPath == seq_folder / "ISS029-E-8493.wcs"
    with pytest.raises(InputError, match="ISS029-E-8493"):
        _ = mapping.lats  # now it is: the 1x1 placeholder does not fit the 4256x2832 solution
    assert [m.identifier for m in provider.getSequence(first, first)] == ["ISS029-E-8493"]
    with pytest.raises(NoMappingError, match="nearest available: 2011-09-18T11:54:59"):
        provider.get(datetime(2011, 9, 18, 11, 0))
    with pytest.raises(ValueError, match="ambiguous"):
        provider.getById("ISS029-E-850")
    with pytest.raises(ValueError, match="no mapping with identifier 'ISS030'"):
        MaskByElevationProvider(provider, 10).getById("ISS030")
    assert MaskByElevationProvider(provider).range == (first, last)


def test_norad_id_as_in_the_original_and_refused_when_not_a_number(seq_folder: Path) -> None:
    from auromat.mapping.spacecraft import SpacecraftMappingProvider

    assert SpacecraftMappingProvider(str(seq_folder), noradId="25544").provider.norad_id == 25544
    with pytest.raises(InputError, match=r"^norad_id must be a NORAD catalogue number \(a positive whole number such as 25544\), got 'ISS'$"):
        SpacecraftMappingProvider(str(seq_folder), noradId="ISS")


def test_provider_of_image_arrays_and_solutions(seq_wcs_paths: list[Path]) -> None:
    from auromat.mapping.spacecraft import SpacecraftMappingProvider
    from auromat_spacecraft import read_header

    images = [np.zeros((2832, 4256), np.uint8)] * 2
    provider = SpacecraftMappingProvider(images, seq_wcs_paths[:2])
    assert [provider.wcsPath(identifier) for identifier in ("ISS029-E-8493", "ISS029-E-8494")] == seq_wcs_paths[:2]
    assert provider.getById("8494").wcsPath == seq_wcs_paths[1]
    headers = SpacecraftMappingProvider(images, [read_header(path) for path in seq_wcs_paths[:2]])
    with pytest.raises(InputError, match=r"^photo photo-20110918T115459 has no \.wcs file: its solution was given as a FITS header$"):
        headers.wcsPath("photo-20110918T115459")


def test_collections_and_resampling_of_core_mappings() -> None:
    from auromat.mapping.mapping import MappingCollection, wrap
    from auromat.resample import resample

    from auromat_core import Mapping as CoreMapping
    from auromat_core import MappingCollection as CoreCollection

    lat_edges, lon_edges = np.linspace(70, 60, 21), np.linspace(-10, 10, 41)
    lon_b, lat_b = np.meshgrid(lon_edges, lat_edges)
    lat_c, lon_c = (lat_b[:-1, :-1] + lat_b[1:, 1:]) / 2, (lon_b[:-1, :-1] + lon_b[1:, 1:]) / 2
    elevation = np.linspace(0, 60, 40)[None, :].repeat(20, axis=0)
    core = CoreMapping(lat_bounds=lat_b, lon_bounds=lon_b, lat=lat_c, lon=lon_c, elevation=elevation,
                       image=np.full((20, 40), 1000, np.uint16), altitude=110, time=datetime(2012, 1, 25, 21),
                       camera_position=[2000.0, 500.0, 6500.0], identifier="grid")
    collection = wrap(CoreCollection([core], "GRID.2012.01.25.21.00.00"))
    assert isinstance(collection, MappingCollection) and len(collection) == 1 and not collection.empty
    assert collection.boundingBox == CoreBoundingBox(60, -10, 70, 10)
    assert collection.photoTime == datetime(2012, 1, 25, 21)
    masked = collection.maskedByElevation(30)
    assert masked[0].elevation.min() >= 30 and masked[0].lons.min() > -10
    for item in (collection, collection[0]):  # the core's check, for a collection and for one mapping
        with pytest.raises(InputError, match=r"^min_elevation must be a number, got None$"):
            item.maskedByElevation(None)
    resampled = resample(collection, pxPerDeg=1)
    assert isinstance(resampled, MappingCollection) and resampled[0].isPlateCarree
    assert resampled[0].latsCenter.shape[0] < 20
    by_scale = resample(collection, pxPerDeg=1, arcsecPerPx=1800)
    assert by_scale[0].latsCenter.shape == resample(collection, arcsecPerPx=1800)[0].latsCenter.shape, "arcsecPerPx wins"
    assert by_scale[0].latsCenter.shape[0] > resampled[0].latsCenter.shape[0]


def test_download_script_forwards_to_the_auromat_command(capsys: pytest.CaptureFixture[str]) -> None:
    from auromat.cli import download_main

    with pytest.raises(SystemExit) as exited:
        download_main(["--help"])
    assert exited.value.code == 0
    output = capsys.readouterr().out
    assert "esa-iss" in output and "themis" in output


def test_convert_script_without_options_describes_them(capsys: pytest.CaptureFixture[str]) -> None:
    """The user guide: "A description can be shown by calling it without any options"."""
    from auromat.cli import convert_main

    with pytest.raises(SystemExit):
        convert_main([])
    captured = capsys.readouterr()
    description = captured.out + captured.err
    assert "Convert a data folder into one file per mapping" in description
    assert "an exporter name (cdf, netcdf)" in " ".join(description.split())
    assert all(option in description for option in ("--format", "--without-geo", "--without-bounds"))
    assert "Missing option" not in description
