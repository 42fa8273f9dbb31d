import os
import sys

import numpy as np
import pytest

# Make the shared helpers (op_check.py) importable from every test folder.
sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture
def rng():
    return np.random.default_rng(0)
