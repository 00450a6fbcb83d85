"""python -m orchestration.lib.translations: write (or --check) docs/translations.md."""

import sys

from orchestration.lib.translations import main

sys.exit(main(sys.argv[1:]))
