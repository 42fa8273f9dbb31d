"""A search run as its own process by the tests (killed mid-search, or two at once on one study).

    python search_script.py DIRECTORY PROJECT MAX_TRIALS PAUSE_S
"""

import sys

import numpy as np

import lamina.tuner as kt
from tuner_models import ScriptedHyperModel

if __name__ == "__main__":
    directory, project, max_trials, pause = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    tuner = kt.RandomSearch(ScriptedHyperModel(pause=pause), objective="val_loss", max_trials=max_trials,
                            directory=directory, project_name=project)
    tuner.search(np.zeros((4, 2)), np.zeros(4), verbose=0)
