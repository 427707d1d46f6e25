"""`python -m ledger.verify BUNDLE --origin O --key K`: the offline verifier, importing no Flask or database code."""

import sys

from ledger.verify.cli import main

sys.exit(main())
