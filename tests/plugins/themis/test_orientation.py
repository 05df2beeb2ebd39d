"""How image rows/columns relate to the skymap, checked on the sky itself.

The skymap says which azimuth/elevation each pixel sees. Bright stars, whose
positions astropy computes independently, must appear at those pixels in the
mapping image; the zenith pixel must map onto the station; pixels the skymap
puts north of the zenith must map north of the station.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import median_filter

# ICRS (J2000) positions of bright stars, degrees (Hipparcos)
STARS = {
    "Vega": (279.2347, 38.7837), "Capella": (79.1723, 45.9980), "Arcturus": (213.9153, 19.1824),
    "Polaris": (37.9546, 89.2641), "Deneb": (310.3580, 45.2803), "Dubhe": (165.9320, 61.7510),
    "Alkaid": (206.8852, 49.3133), "Regulus": (152.0930, 11.9672), "Mizar": (200.9814, 54.9254),
    "Kochab": (222.6764, 74.1555), "Alioth": (193.5073, 55.9598), "Pollux": (116.3290, 28.0262),
    "Castor": (113.6494, 31.8883),
}
ALTERNATIVES = {
    "transposed": lambda a: a.T, "flipped up-down": lambda a: a[::-1], "flipped left-right": lambda a: a[:, ::-1],
    "rotated 180": lambda a: a[::-1, ::-1], "transposed, flipped": lambda a: a.T[::-1],
    "transposed, mirrored": lambda a: a.T[:, ::-1], "transposed, rotated": lambda a: a.T[::-1, ::-1],
}


def _unit(azimuth: np.ndarray, elevation: np.ndarray) -> np.ndarray:
    az, el = np.radians(azimuth), np.radians(elevation)
    return np.stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)], axis=-1)


@pytest.fixture(scope="module")
def star_pixels(sav, sav_provider) -> dict[str, tuple[int, int]]:
    """Skymap pixel of each star above 20 degrees at the first frame time (astropy, no refraction)."""
    import astropy.units as u
    from astropy.coordinates import AltAz, EarthLocation, SkyCoord
    from astropy.time import Time

    time = Time(sav_provider.times[0], scale="utc")
    frame = AltAz(obstime=time, location=EarthLocation.from_geodetic(214.84 * u.deg, 62.41 * u.deg, 0 * u.m))
    directions = np.nan_to_num(_unit(sav["FULL_AZIMUTH"].astype(float), sav["FULL_ELEVATION"].astype(float)), nan=0.0)
    pixels = {}
    for name, (ra, dec) in STARS.items():
        altaz = SkyCoord(ra * u.deg, dec * u.deg).transform_to(frame)
        if altaz.alt.deg < 20:
            continue
        cosine = directions @ _unit(altaz.az.deg, altaz.alt.deg)
        row, col = np.unravel_index(np.argmax(cosine), cosine.shape)
        assert np.degrees(np.arccos(min(1.0, cosine[row, col]))) < 1.0
        pixels[name] = (int(row), int(col))
    assert len(pixels) >= 10
    return pixels


def _star_signal(image: np.ndarray, pixels: dict[str, tuple[int, int]]) -> np.ndarray:
    """Peak above the local background within 2 px of each predicted star position."""
    residual = image - median_filter(image, size=7)
    return np.array([residual[max(r - 2, 0):r + 3, max(c - 2, 0):c + 3].max() for r, c in pixels.values()])


def test_stars_appear_where_the_skymap_says(sav_provider, star_pixels) -> None:
    image = np.median([sav_provider.load(i)[0].image[..., 0].astype(float) for i in range(0, 23, 2)], axis=0)
    signal = _star_signal(image, star_pixels)
    noise = np.median(np.abs(image - median_filter(image, size=7)))
    assert np.sum(signal > 20 * noise) >= 0.75 * len(signal), dict(zip(star_pixels, signal))
    for name, transform in ALTERNATIVES.items():
        other = _star_signal(transform(image), star_pixels)
        assert np.median(signal) > 3 * np.median(other), name


def test_zenith_pixel_is_near_the_image_center_and_maps_onto_the_station(sav_provider) -> None:
    mapping = sav_provider.load(0)[0]
    row, col = np.unravel_index(np.nanargmax(mapping.elevation), mapping.shape)
    assert mapping.elevation[row, col] == pytest.approx(89.71, abs=0.01)
    assert abs(row - 127.5) < 8 and abs(col - 127.5) < 8
    assert mapping.lat[row, col] == pytest.approx(62.41, abs=0.02)
    assert mapping.lon[row, col] == pytest.approx(-145.16, abs=0.04)


def test_north_is_up_and_east_is_left(sav_provider, sav) -> None:
    mapping = sav_provider.load(0)[0]
    azimuth = sav["FULL_AZIMUTH"].astype(float)
    zenith = np.unravel_index(np.nanargmax(mapping.elevation), mapping.shape)
    rows, cols = np.indices(mapping.shape)
    band = mapping.defined & (mapping.elevation > 20) & (mapping.elevation < 60)
    with np.errstate(invalid="ignore"):
        north = band & ((azimuth < 5) | (azimuth > 355))
        east = band & (np.abs(azimuth - 90) < 5)
    assert north.sum() > 50 and east.sum() > 50
    assert np.all(rows[north] < zenith[0]) and np.all(mapping.lat[north] > 62.41 + 0.5)
    assert np.all(cols[east] < zenith[1])
    assert np.all(((mapping.lon[east] + 145.16 + 180) % 360 - 180) > 1.0)
