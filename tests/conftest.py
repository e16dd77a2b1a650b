import os

# one thread for PyTorch (read when torch is imported, so set before any test imports it): with
# pytest-xdist's workers on a shared machine, OpenMP threads that wait on each other's cores made
# a traced model's shape run a hundred times slower (3.7 s, not 0.04 s, for densenet121)
os.environ.setdefault("OMP_NUM_THREADS", "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from hypothesis import settings

settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
