"""``python -m jupyter_designer.cli``."""

import sys

from . import main

sys.exit(main())
