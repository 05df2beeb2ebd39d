"""A camera added by a third party in one small package: a fixed lat/lon grid over Tromsø."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from auromat_core import Mapping, Provider, Register, hookimpl


class GridCamera(Provider):
    """Ten one-minute frames of a 4×5 pixel camera looking at 69-70°N, 18-20°E."""

    max_time_offset = 5.0

    def __init__(self, start: datetime = datetime(2025, 1, 1, 20, 0)) -> None:
        self._times = [start + timedelta(minutes=i) for i in range(10)]

    @property
    def times(self) -> list[datetime]:
        return self._times

    @property
    def identifiers(self) -> list[str]:
        return [f"grid.{t:%Y%m%dT%H%M%S}" for t in self._times]

    def load(self, index: int) -> Mapping:
        lat_b, lon_b = np.meshgrid(np.linspace(70, 69, 5), np.linspace(18, 20, 6), indexing="ij")
        lat, lon = (lat_b[:-1, :-1] + lat_b[1:, 1:]) / 2, (lon_b[:-1, :-1] + lon_b[1:, 1:]) / 2
        return Mapping(
            lat_bounds=lat_b, lon_bounds=lon_b, lat=lat, lon=lon,
            elevation=np.full(lat.shape, 45.0),
            image=np.full(lat.shape, index, dtype=np.uint8),
            altitude=110, time=self._times[index], camera_position=[2100.0, 700.0, 5980.0],
            identifier=self.identifiers[index],
        )


@hookimpl
def register_providers(register: Register) -> None:
    register("testcamera", GridCamera, "Synthetic grid camera from a third-party package")
