"""Run the Hugging Face ``datasets`` library in a child process.

The site's own app is also called ``datasets``, so the library cannot be imported in the test
process; a training job is a separate program anyway.  ``-I`` keeps the checkout off the child's
``sys.path``; the Hugging Face caches go to ``cache_dir`` and nothing reaches the network.
"""

import json
import os
import subprocess
import sys

LOAD = """
import json, sys
from datasets import load_dataset
folder, name, cache = sys.argv[1], sys.argv[2] or None, sys.argv[3]
loaded = load_dataset(folder, name, cache_dir=cache)
print(json.dumps({split: {"rows": len(part), "columns": part.column_names, "first": part[0] if len(part) else None}
                  for split, part in loaded.items()}))
"""


def offline_env(cache_dir):
    return {
        **os.environ,
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(cache_dir),
        "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    }


def load_splits(folder, cache_dir, config=""):
    """``{split: {"rows", "columns", "first"}}`` as ``datasets.load_dataset(folder, config)`` sees them."""
    done = subprocess.run(
        [sys.executable, "-I", "-c", LOAD, str(folder), config, str(cache_dir / "datasets")],
        capture_output=True,
        text=True,
        env=offline_env(cache_dir),
        cwd=str(cache_dir),
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
